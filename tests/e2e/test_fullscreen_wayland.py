"""``kiosk run`` under cage (Wayland), as the package runs it, fills the output both ways round.

cage runs on wlroots' headless backend (an output of 1280x720, no GPU, no seat); ``cage -r``
rotates it to portrait. The window's size is the one the compositor configured, told by the
kiosk's "home screen shown" line. cage refuses to run as root: as root the test runs it in a
user namespace with the caller mapped to uid 1000 (impossible inside a chroot: skipped there).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SHOWN = re.compile(r"home screen shown: window (\d+)x(\d+)\+(-?\d+)\+(-?\d+), screen (\d+)x(\d+)")


def _as_a_user() -> tuple[str, ...]:
    if os.geteuid() != 0:
        return ()
    probe = subprocess.run(
        ["unshare", "--user", "--map-user=1000", "--map-group=1000", "true"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cage will not run as root and no user namespace: {probe.stderr.decode()}")
    return ("unshare", "--user", "--map-user=1000", "--map-group=1000")


@pytest.mark.parametrize(("rotate", "size"), [((), (1280, 720)), (("-r",), (720, 1280))])
def test_the_window_fills_cages_output(
    rotate: tuple[str, ...], size: tuple[int, int], tmp_path: Path
) -> None:
    if shutil.which("cage") is None:
        pytest.skip("cage is not installed (Debian packages cage, xwayland: setup.sh test)")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAYLAND_", "QT_QPA_"))}
    env.pop("DISPLAY", None)
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        WLR_BACKENDS="headless",
        WLR_RENDERER="pixman",
        WLR_LIBINPUT_NO_DEVICES="1",
        QT_QPA_PLATFORM="wayland",
        KIOSK_EXIT_AFTER_HOME="1",
        KIOSK_KIOSK__DATA_DIR=str(tmp_path / "data"),
        KIOSK_HEALTH__PORT="0",
    )
    run = subprocess.run(
        [*_as_a_user(), "cage", *rotate, "--", sys.executable, "-m", "kiosk_app", "run", "--demo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown = SHOWN.search(run.stderr)
    assert shown is not None, run.stderr[-3000:]
    width, height, _x, _y, screen_w, screen_h = map(int, shown.groups())
    assert (screen_w, screen_h) == size
    assert (width, height) == size
