"""The fullscreen kiosk window follows its screen (offscreen platform with two screens).

A rotated or re-moded output, or the window moved to another screen, must leave it covering the
whole of its screen: Qt's own fullscreen state does not re-size it (checked below), the
ScreenFiller does. Runs in a subprocess: the screens are fixed when the QApplication starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[2]

SCREENS = {
    "screens": [
        {"name": "landscape", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96},
        {"name": "portrait", "x": 1920, "y": 0, "width": 1080, "height": 1920, "logicalDpi": 96},
    ]
}

SCRIPT = """
import json, sys
from PySide6.QtWidgets import QApplication, QWidget
from kiosk_app.ui.fullscreen import ScreenFiller

app = QApplication(sys.argv[:1])
def rect(r):
    return [r.x(), r.y(), r.width(), r.height()]
out = {}
for mode in ("qt", "filler"):
    window = QWidget()
    if mode == "qt":
        window.showFullScreen()
    else:
        ScreenFiller(window).show()
    app.processEvents()
    first = rect(window.geometry())
    window.windowHandle().setScreen(app.screens()[1])
    app.processEvents()
    out[mode] = {"first": first, "moved": rect(window.geometry()),
                 "frameless": bool(window.windowFlags() & window.windowFlags().FramelessWindowHint),
                 "fullscreen": window.isFullScreen()}
    window.close()
print(json.dumps(out))
"""


def test_the_window_fills_its_screen_and_follows_it_to_another(tmp_path: Path) -> None:
    config = tmp_path / "screens.json"
    config.write_text(json.dumps(SCREENS))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    landscape, portrait = [0, 0, 1920, 1080], [1920, 0, 1080, 1920]
    # Qt alone keeps the old screen's size on the new screen: the reason for ScreenFiller.
    assert result["qt"]["moved"] != portrait
    assert result["filler"] == {
        "first": landscape,
        "moved": portrait,
        "frameless": True,
        "fullscreen": True,
    }
