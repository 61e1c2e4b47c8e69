"""Stop the test Orthanc and start it again (same configuration, same data) inside a test.

Only for a run whose Orthanc ``scripts/services.sh start`` recorded in ``$RUN/orthanc.pid``.
The restarted process is recorded there the same way, so ``services.sh stop`` still stops it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import requests


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _running(pid: int) -> bool:
    """Still running: not gone, and not a zombie (an Orthanc this test process started earlier
    becomes our zombie child when it exits; reap it)."""
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@contextmanager
def orthanc_stopped(services_env: dict[str, str]) -> Iterator[None]:
    run = Path(services_env.get("KIOSK_SERVICES_RUN", "/tmp/kiosk-services"))
    pid_file = run / "orthanc.pid"
    if not pid_file.is_file():
        pytest.skip(f"no Orthanc recorded in {pid_file}")
    pid_text, exe = pid_file.read_text().split()[:2]
    pid = int(pid_text)
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    url = services_env["ORTHANC_URL"]
    port = int(url.rsplit(":", 1)[1])
    try:
        os.kill(pid, signal.SIGTERM)
        end = time.monotonic() + 20
        while _running(pid) or _port_open(port):
            if time.monotonic() > end:
                pytest.fail("Orthanc did not stop within 20 s")
            time.sleep(0.05)
        yield
    finally:
        log = (run / "orthanc.log").open("ab")
        process = subprocess.Popen(
            [a.decode() for a in argv],
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd="/",
        )
        pid_file.write_text(f"{process.pid} {exe}\n")
        auth = (services_env["ORTHANC_USER"], services_env["ORTHANC_PASSWORD"])
        end = time.monotonic() + 30
        while True:
            try:
                session = requests.Session()
                session.trust_env = False
                if session.get(url + "/system", auth=auth, timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > end:
                pytest.fail("Orthanc did not come back within 30 s")
            time.sleep(0.05)
