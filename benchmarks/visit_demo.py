"""How long one demo patient takes, stage by stage: find, compose the film, print (to a folder).

Prints a table of medians over several runs, with the machine noted. Not a test: numbers vary
with the machine. Run: .venv/bin/python benchmarks/visit_demo.py [--runs 5] [--dpi 300]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

from kiosk_app.app import build
from kiosk_app.services import film
from kiosk_app.settings import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--code", default="DEMO0001")
    args = parser.parse_args()
    timings: dict[str, list[float]] = {
        "find exams": [],
        "fetch + compose film": [],
        "whole visit (print to folder)": [],
    }
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            settings = load(
                None,
                demo=True,
                env={"KIOSK_KIOSK__DATA_DIR": tmp, "KIOSK_FILM__DPI": str(args.dpi)},
            )
            kiosk = build(settings)
            t0 = time.perf_counter()
            _cred, exams = kiosk.visit.find(args.code)
            t1 = time.perf_counter()
            images = kiosk.visit.catalog.image_datasets(exams[0])
            film.compose_sheets(images, film_size_id=settings.film.size, dpi=args.dpi)
            t2 = time.perf_counter()
            kiosk.close()
        with tempfile.TemporaryDirectory() as tmp:
            settings = load(
                None,
                demo=True,
                env={"KIOSK_KIOSK__DATA_DIR": tmp, "KIOSK_FILM__DPI": str(args.dpi)},
            )
            kiosk = build(settings)
            t3 = time.perf_counter()
            summary = kiosk.visit.print_code(args.code)
            t4 = time.perf_counter()
            assert summary.delivered, summary
            kiosk.close()
        timings["find exams"].append(t1 - t0)
        timings["fetch + compose film"].append(t2 - t1)
        timings["whole visit (print to folder)"].append(t4 - t3)
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; code {args.code}, film {settings.film.size} "
        f"at {args.dpi} dpi, {args.runs} runs"
    )
    print(f"{'stage':32} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for stage, values in timings.items():
        print(
            f"{stage:32} {statistics.median(values) * 1000:10.0f} "
            f"{min(values) * 1000:8.0f} {max(values) * 1000:8.0f}"
        )


if __name__ == "__main__":
    main()
