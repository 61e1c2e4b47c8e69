"""The longest event-loop stall of the kiosk window while patients print.

Drives the real window (demo archive, folder printers, film at 300 dpi) through back-to-back
whole visits (a scan, the exam list, the print button, printing with per-sheet progress, the
result, the next patient's scan), and measures how late a 5 ms timer fires on the GUI thread:
lateness is time the screen could not react. The first second (the window's first layout and
paint) is not
counted. Runs twice: with the health endpoint idle, and with a scraper
in another process asking /status and /metrics at --rate per second (a monitoring centre far
busier than a real one). Prints the longest stall and the 99th percentile of each run.
``--camera`` adds a run with a camera scanner (a fake one, 30 frames a second of 1280x720, each
decoded) and its live preview on the home screen between patients.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/ui_stall.py [--seconds 20] [--camera]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QTimer
from PySide6.QtWidgets import QApplication

from drivers.scanner.camera_qr import CameraQrScanner
from drivers.scanner.fake import FakeCamera, code_frame
from kiosk_app.app import Devices
from kiosk_app.settings import load
from kiosk_app.ui.main import create_window
from kiosk_app.ui.main_window import KioskWindow

TICK_MS = 5
WARM_UP_S = 1.0
TOKEN = "stall-bench"
CODES = ("DEMO0001", "DEMO0003", "DEMO0004")

SCRAPER = """
import sys, time, requests
base, rate, seconds, token = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
http = requests.Session(); http.trust_env = False
http.headers["Authorization"] = "Bearer " + token
start = time.perf_counter(); i = 0
while time.perf_counter() - start < seconds:
    due = start + i / rate
    if due > time.perf_counter():
        time.sleep(due - time.perf_counter())
    http.get(base + ("/status" if i % 2 else "/metrics"), timeout=10); i += 1
"""


def one_run(
    app: QApplication,
    seconds: float,
    rate: float,
    startup: list[float] | None = None,
    camera: bool = False,
) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load(
            None,
            demo=True,
            env={
                "KIOSK_KIOSK__DATA_DIR": tmp,
                "KIOSK_HEALTH__PORT": "0",
                "KIOSK_HEALTH__TOKEN": TOKEN,
                "KIOSK_POLICY__PRINT_ONCE": "false",
                "KIOSK_FILM__DPI": "300",
            },
        )
        if camera:  # a scene with no code in it: every frame is searched in full
            scene = code_frame("x")
            scene[200:520, 480:800] = scene[0:320, 0:320]
            scanner = CameraQrScanner(frames=FakeCamera([scene], fps=30))
            window = create_window(settings, Devices(scanner=scanner))
        else:
            window = create_window(settings)
        window.resize(1920, 1080)
        window.show()
        if startup is not None:  # imports, database, services, window, first paint
            app.processEvents()
            startup.append(_process_age())
        scraper = None
        if rate > 0:
            server = _server_port(window)
            scraper = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    SCRAPER,
                    f"http://127.0.0.1:{server}",
                    str(rate),
                    str(seconds),
                    TOKEN,
                ]
            )
        lateness: list[float] = []
        visits = [0]
        clock = QElapsedTimer()
        clock.start()
        last = [clock.nsecsElapsed()]

        def tick() -> None:
            now = clock.nsecsElapsed()
            if now > WARM_UP_S * 1e9:  # the window's first layout and paint are not a stall
                lateness.append(max(0.0, (now - last[0]) / 1e6 - TICK_MS))
            last[0] = now
            current = window.stack.currentWidget()
            if current is window.result or (current is window.home and not window.home.code.text()):
                window.submit_scan(CODES[visits[0] % len(CODES)])
                visits[0] += 1
            elif current is window.exams:
                window.exams.print_button.click()  # everything printable is selected
            if clock.elapsed() > seconds * 1000:
                app.quit()

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(TICK_MS)
        app.exec()
        timer.stop()
        window.worker.wait_idle()
        window.bridge.wait_idle()
        if scraper is not None:
            scraper.wait(30)
        window.close()
        window.deleteLater()
        # finish the teardown (endpoint, device threads, database) before the next run starts
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        app.processEvents()
        lateness.sort()
        return lateness[-1], lateness[int(len(lateness) * 0.99)], visits[0]


def _process_age() -> float:
    """Seconds since this process started (Linux): interpreter, imports and all."""
    with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
        start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        up = float(uptime.read().split()[0])
    return up - start_ticks / os.sysconf("SC_CLK_TCK")


def _server_port(window: KioskWindow) -> int:
    endpoint = window.health_endpoint
    if endpoint is None or endpoint.server is None:
        raise SystemExit("the window has no health endpoint (health.enabled = false?)")
    return int(endpoint.server.port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--camera", action="store_true", help="add a run with a camera preview")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rows = []
    startup: list[float] = []
    runs = [("endpoint idle", 0.0, False), (f"scraped at {args.rate:.0f}/s", args.rate, False)]
    if args.camera:
        runs.append(("camera preview", 0.0, True))
    for label, rate, camera in runs:
        started = time.perf_counter()
        worst, p99, visits = one_run(
            app, args.seconds, rate, None if startup else startup, camera=camera
        )
        rows.append((label, worst, p99, visits, time.perf_counter() - started))
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}; Python {platform.python_version()}; "
        f"{args.seconds:.0f} s per run, timer {TICK_MS} ms, film 14INX17IN at 300 dpi"
    )
    print(f"{'run':22} {'longest stall ms':>17} {'p99 ms':>8} {'visits':>7}")
    for label, worst, p99, visits, _took in rows:
        print(f"{label:22} {worst:17.1f} {p99:8.1f} {visits:7d}")
    print(
        f"start-up to the home screen (imports, database, window, first paint): {startup[0]:.2f} s"
    )
    # Two windows built and torn down in one process can crash shiboken's finalisation (a
    # refcount error in Garbage-collecting at exit); the measurement is done, so leave now.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
