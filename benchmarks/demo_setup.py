"""How long a newcomer waits from ``bash scripts/demo.sh`` to the kiosk's home screen.

Three figures:

- ``setup.sh runtime`` on a machine that has run it (what every later ``demo.sh`` pays first:
  the package check and the venv's stamp);
- ``demo.sh`` to the home screen, warm: the set-up check, then ``kiosk run --demo`` until it logs
  "home screen shown" (kiosk_app/ui/main.py, once the event loop runs the painted home screen);
  ``KIOSK_EXIT_AFTER_HOME=1`` makes it quit there, QT_QPA_PLATFORM=offscreen, an empty data
  folder and the health endpoint on a free port;
- with ``--fresh``: the same command once on a fresh Debian 12 (minbase) root,
  ../shared/tools/fresh-machine.sh: apt-get of the runtime packages, the venv and its wheels
  downloaded, then the home screen. It runs the COMMITTED state of this checkout, shares this
  machine's network (the registries, pip's settings) and needs root and debootstrap; the
  debootstrap itself (~2 min) is not counted. One run: it takes minutes.

The warm figures are the median (and range) of ``--runs`` runs; not a test: they depend on the
machine and what else runs on it (the load average is printed), the fresh one on the mirror's
and PyPI's speed as well.

Run: .venv/bin/python benchmarks/demo_setup.py [--runs 5] [--fresh]   (as root for apt)
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FRESH = REPO.parent / "shared" / "tools" / "fresh-machine.sh"
HOME_SHOWN = "home screen shown"


def _env(data: str) -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "KIOSK_EXIT_AFTER_HOME": "1",
        "KIOSK_KIOSK__DATA_DIR": data,
        "KIOSK_HEALTH__PORT": "0",
    }


def setup_once(venv: Path) -> float:
    """Seconds for ``bash scripts/setup.sh runtime`` (it must have run once before)."""
    started = time.perf_counter()
    subprocess.run(
        ["bash", "scripts/setup.sh", "runtime"],
        cwd=REPO,
        env={**os.environ, "VENV": str(venv)},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def demo_once(venv: Path, timeout: float = 300.0) -> tuple[float, float]:
    """Seconds from ``bash scripts/demo.sh`` to "home screen shown", and to its exit."""
    with tempfile.TemporaryDirectory() as data:
        started = time.perf_counter()
        proc = subprocess.Popen(
            ["bash", "scripts/demo.sh"],
            cwd=REPO,
            env={**_env(data), "VENV": str(venv)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        home = None
        for line in proc.stderr:
            if home is None and HOME_SHOWN in line:
                home = time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                proc.kill()
                break
        code = proc.wait()
        done = time.perf_counter() - started
    if home is None or code != 0:
        raise SystemExit(f"demo.sh exited {code} without '{HOME_SHOWN}'")
    return home, done


def fresh_once() -> tuple[float, str]:
    """Seconds for ``demo.sh`` on a fresh root to its exit at the home screen, and the log."""
    if os.geteuid() != 0:
        raise SystemExit("--fresh needs root (debootstrap, chroot)")
    command = "QT_QPA_PLATFORM=offscreen KIOSK_EXIT_AFTER_HOME=1 bash scripts/demo.sh"
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        run = subprocess.run(
            ["bash", str(FRESH), str(REPO), str(FRESH.parents[1]), command, "3600"],
            env={**os.environ, "FRESH_LOG": log.name},
            capture_output=True,
            text=True,
        )
        text = log.read()
    ended = re.search(r"== exit (\d+) after (\d+)s", run.stdout)
    if run.returncode != 0 or ended is None or HOME_SHOWN not in text:
        raise SystemExit(f"fresh-machine.sh failed:\n{run.stdout[-3000:]}{run.stderr[-2000:]}")
    return float(ended.group(2)), text


def _row(name: str, times: list[float]) -> str:
    return (
        f"| {name} | {len(times)} | {statistics.median(times):.2f} | "
        f"{min(times):.2f} | {max(times):.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--venv", type=Path, default=REPO / ".venv")
    parser.add_argument("--fresh", action="store_true", help="also once on a fresh Debian root")
    args = parser.parse_args()
    if os.geteuid() != 0:
        os.environ["SKIP_APT"] = "1"  # as setup.sh would refuse apt-get otherwise
    load_before = os.getloadavg()[0]
    setup_once(args.venv)  # the first run may install: not timed
    setups = [setup_once(args.venv) for _ in range(args.runs)]
    demos = [demo_once(args.venv) for _ in range(args.runs)]
    fresh = fresh_once() if args.fresh else None
    system = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    print(
        f"# machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {system}"
        f"; load {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print("| command | runs | median s | min s | max s |")
    print("| --- | --- | --- | --- | --- |")
    print(_row("setup.sh runtime, already set up", setups))
    print(_row("demo.sh → home screen shown, warm", [home for home, _ in demos]))
    print(_row("demo.sh → exit at the home screen, warm", [done for _, done in demos]))
    if fresh is not None:
        print(_row("demo.sh → home screen on a fresh Debian 12 root", [fresh[0]]))
        steps = re.findall(r"^=== (.+?) \((\d\d:\d\d:\d\d)\)$", fresh[1], re.M)
        for step, at in steps:
            print(f"#   {at} {step}")


if __name__ == "__main__":
    sys.exit(main())
