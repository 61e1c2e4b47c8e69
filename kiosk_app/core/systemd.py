"""sd_notify without libsystemd: readiness and watchdog pings to systemd over $NOTIFY_SOCKET.

Under a unit with ``Type=notify`` and ``WatchdogSec=``, the screen sends ``READY=1`` once the
window is shown and ``WATCHDOG=1`` from a timer on the Qt event loop: a frozen loop stops the
pings, and systemd restarts the session. Outside systemd every call is a harmless no-op.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping


def _address(env: Mapping[str, str]) -> str | None:
    path = env.get("NOTIFY_SOCKET", "")
    if not path:
        return None
    # "@name" is an abstract socket: its address starts with a NUL byte.
    return "\0" + path[1:] if path.startswith("@") else path


def notify(state: str, env: Mapping[str, str] | None = None) -> bool:
    """Send ``state`` (``READY=1``, ``WATCHDOG=1``, ``STOPPING=1``...); False when not under
    systemd or the socket is gone."""
    address = _address(os.environ if env is None else env)
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError:
        return False
    return True


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between watchdog pings (half of ``WatchdogSec``), None when no watchdog is set.

    ``WATCHDOG_PID`` names the process systemd expects the pings from; when it is another
    process (a compositor's child sees its parent's), this process still pings, since the unit
    uses ``NotifyAccess=all``.
    """
    env = os.environ if env is None else env
    try:
        usec = int(env.get("WATCHDOG_USEC", "0"))
    except ValueError:
        return None
    if usec <= 0 or _address(env) is None:
        return None
    return usec / 2_000_000
