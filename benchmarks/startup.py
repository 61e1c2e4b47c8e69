"""How long `kiosk run --demo` takes from the command to the home screen.

Starts the real command in a fresh process each run (offscreen platform, an empty data folder,
the health endpoint on a free port) and times it until the kiosk tells "systemd" it is ready:
``READY=1`` on ``$NOTIFY_SOCKET``, which the kiosk sends from its event loop once the home
screen is shown and painted (kiosk_app/ui/main.py). Then it stops the kiosk with SIGTERM, as
systemd would. The first run pays for a cold page cache when the machine has just booted; the
table gives the median and range of all runs. Not a test: the figure depends on the machine and
what else runs on it (the load average is printed).

Run: .venv/bin/python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def one_start(timeout: float = 120.0) -> float:
    """Seconds from starting `kiosk run --demo` to its READY=1."""
    name = f"kiosk-startup-bench-{os.getpid()}"
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify,
        tempfile.TemporaryDirectory() as data,
    ):
        notify.bind("\0" + name)
        notify.settimeout(0.2)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "KIOSK_KIOSK__DATA_DIR": data,
            "KIOSK_HEALTH__PORT": "0",
            "NOTIFY_SOCKET": "@" + name,
        }
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk_app", "run", "--demo"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            while True:
                try:
                    if notify.recv(64) == b"READY=1":
                        took = time.perf_counter() - started
                        break
                except TimeoutError:
                    pass
                if proc.poll() is not None:
                    raise SystemExit(f"kiosk run --demo stopped: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
                if time.perf_counter() - started > timeout:
                    raise SystemExit(f"kiosk run --demo not ready after {timeout:.0f} s")
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    times = [one_start() for _ in range(args.runs)]
    print(
        f"# machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after"
    )
    print("| command | runs | median s | min s | max s |")
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| kiosk run --demo → home screen (READY=1) | {len(times)} | "
        f"{statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f} |"
    )


if __name__ == "__main__":
    main()
