"""``kiosk run`` on plain X11 with no window manager fills the screen, in both orientations.

Without a window manager nobody honours Qt's fullscreen request (``_NET_WM_STATE_FULLSCREEN``),
and the window stayed 200x100 in a corner with the rest of the screen black. Each test starts
its own Xvfb (black root window, no window manager) and the real command on the xcb platform,
then looks at the screen from a second X client: every pixel of the root window is the kiosk's,
none is the server's black.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]

#: A second X client: grabs the root window and reports its size and how much of it is black.
PROBE = """
import json, sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
image = app.primaryScreen().grabWindow(0).toImage()
w, h = image.width(), image.height()
points = [(x, y) for y in range(0, h, 8) for x in range(0, w, 8)]
points += [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)]
black = sum(1 for x, y in points if image.pixel(x, y) & 0xFFFFFF == 0)
print(json.dumps({"size": [w, h], "black": black / len(points)}))
"""

#: no TCP, a black root window (what the kiosk does not cover), keep the server between clients
XVFB_FLAGS = ("-nolisten", "tcp", "-br", "-noreset")
SHOWN = re.compile(r"home screen shown: window (\d+)x(\d+)\+(-?\d+)\+(-?\d+), screen (\d+)x(\d+)")


@pytest.fixture
def xvfb_display(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh Xvfb of the parametrised size on a display it picks itself; no window manager."""
    if shutil.which("Xvfb") is None:
        pytest.skip(
            "Xvfb is not installed (Debian package xvfb, in scripts/setup.sh's test profile)"
        )
    width, height = request.param
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24", *XVFB_FLAGS],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as numbers:
            number = numbers.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _x11_env(display: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAYLAND_", "QT_QPA_"))}
    return {
        **env,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_SESSION_TYPE": "x11",
        "KIOSK_KIOSK__DATA_DIR": str(data),
        "KIOSK_HEALTH__PORT": "0",
        "KIOSK_VOICE__ENABLED": "false",
    }


def _wait_for_home(kiosk: subprocess.Popen[str], timeout: float = 60.0) -> re.Match[str]:
    assert kiosk.stderr is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = kiosk.stderr.readline()
        if not line:
            break  # the kiosk stopped
        seen.append(line)
        if match := SHOWN.search(line):
            return match
    pytest.fail("no home screen on the X server:\n" + "".join(seen[-30:]))


@pytest.mark.parametrize(
    "xvfb_display",
    [(1080, 1920), (1920, 1080), (1366, 768)],
    ids=["portrait", "landscape", "smaller-than-the-layout"],
    indirect=True,
)
def test_the_window_covers_the_whole_screen_without_a_window_manager(
    xvfb_display: str, tmp_path: Path
) -> None:
    env = _x11_env(xvfb_display, tmp_path)
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "kiosk_app", "run", "--demo"],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        shown = _wait_for_home(kiosk)
        time.sleep(1.0)  # the X server has the window mapped and painted by now
        probe = subprocess.run(
            [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
        )
        assert probe.returncode == 0, probe.stderr
        screen = json.loads(probe.stdout)
    finally:
        kiosk.terminate()
        kiosk.wait(timeout=30)
    width, height, x, y, screen_w, screen_h = map(int, shown.groups())
    assert (width, height, x, y) == (screen_w, screen_h, 0, 0)
    assert screen["size"] == [screen_w, screen_h]
    assert screen["black"] == 0.0, f"{screen['black']:.0%} of the screen is not the kiosk's"
    assert kiosk.returncode == 0, "SIGTERM did not close the kiosk cleanly"
