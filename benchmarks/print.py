"""Time from "print" to the first sheet the printer accepted, for CUPS and DICOM print.

Runs against the test servers (``bash scripts/services.sh start``; reads ``$KIOSK_SERVICES_ENV``,
default ``/tmp/kiosk-services/env.sh``): the KioskPDF and KioskFilm CUPS queues and dcmtk's print
SCP. For each case it prints the median (and min/max) of several runs of:

* **accepted**: ``PrintingService.submit_*`` returned, i.e. the first printer job is recorded
  and the printer took it (CUPS: the scheduler queued it; DICOM: the N-ACTION print of the
  first film box succeeded, which is the printer's confirmation);
* **first done**: the printer reported the first sheet's (or the report's) job completed;
* **all done**: every sheet confirmed and the ledger written.

The film is composed already (the exam is cached and the film engine has run): 4 sheets of
14INX17IN at ``--dpi`` (300: 4200 x 5100 pixels each), a smooth image with noise. The report is
2 A4 pages. Not a test: it prints a table.

    .venv/bin/python benchmarks/print.py [--runs 5] [--dpi 300]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.base import FilmSheet
from drivers.film.dicom_print import DicomFilmPrinter
from drivers.printer.cups import CupsDocumentPrinter, CupsFilmPrinter
from kiosk_app.core.models import Exam, JobState
from kiosk_app.services.printing import PrintingService
from kiosk_app.store import Store
from kiosk_app.store.repositories import JobRepository
from kiosk_app.store.tables import utcnow
from tests.helpers.services import parse_env_file

EXAM = Exam("1.2.826.0.1.3680043.10.6.9", "ACC-BENCH", "P-BENCH", "BENCH", None, ("CT",), "CT")


def film_sheets(dpi: int) -> list[FilmSheet]:
    rows, columns = 17 * dpi, 14 * dpi
    y, x = np.mgrid[0:rows, 0:columns]
    rng = np.random.default_rng(9)
    sheets = []
    for i in range(4):
        smooth = 128 + 100 * np.sin((x + 40 * i) / 97.0) * np.cos(y / 131.0)
        noisy = smooth + rng.normal(0, 6, size=(rows, columns))
        sheets.append(FilmSheet(np.clip(noisy, 0, 255).astype(np.uint8), "14INX17IN", dpi))
    return sheets


def report_pdf() -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for page in (1, 2):
        for line in range(40):
            canvas.drawString(72, 780 - 18 * line, f"Page {page}, line {line}: findings text")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def one_run(
    printing: PrintingService, submit: Callable[[PrintingService], int]
) -> tuple[float, float, float]:
    started = utcnow()
    start = time.perf_counter()
    job = submit(printing)
    accepted = time.perf_counter() - start
    while True:
        result = printing.check(job)
        if not result.state.open:
            break
        time.sleep(0.01)
    if result.state is not JobState.COMPLETED:
        raise SystemExit(f"job {job} ended {result.state.value}: {result.reason}")
    with printing.store.session() as session:
        record = JobRepository(session).get(job)
        # when the service recorded the printer's confirmation, not when the poll returned
        confirmed = sorted(u.confirmed_at for u in record.units if u.confirmed_at)
        first = (confirmed[0] - started).total_seconds()
        total = (confirmed[-1] - started).total_seconds()
    return accepted, first, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dpi", type=int, default=300)
    args = parser.parse_args()
    env_file = Path(os.environ.get("KIOSK_SERVICES_ENV", "/tmp/kiosk-services/env.sh"))
    if not env_file.is_file():
        print(f"no {env_file}: run bash scripts/services.sh start", file=sys.stderr)
        return 2
    env = parse_env_file(env_file.read_text())
    os.environ["CUPS_SERVER"] = env["CUPS_SERVER"]
    (Path(env["KIOSK_JAMSIM_DIR"]) / "mode").write_text("ok\n")

    report = CupsDocumentPrinter(env["KIOSK_PDF_QUEUE"])
    cups_film = CupsFilmPrinter(env["KIOSK_FILM_QUEUE"])
    dicom_film = DicomFilmPrinter(
        env["PRINT_SCP_AET"], env.get("PRINT_SCP_HOST", "127.0.0.1"), int(env["PRINT_SCP_PORT"])
    )
    sheets = film_sheets(args.dpi)
    pdf = report_pdf()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        cases: list[tuple[str, PrintingService, Callable[[PrintingService], int]]] = [
            (
                "CUPS report, 2 A4 pages (cups-pdf)",
                PrintingService(store, report, cups_film, poll_interval=0.01),
                lambda p: p.submit_report(EXAM, pdf, 2).job_id,
            ),
            (
                f"CUPS film, 4 x 14INX17IN @ {args.dpi} dpi (jamsim)",
                PrintingService(store, report, cups_film, poll_interval=0.01),
                lambda p: p.submit_film(EXAM, sheets).job_id,
            ),
            (
                f"DICOM film, 4 x 14INX17IN @ {args.dpi} dpi (dcmprscp)",
                PrintingService(store, report, dicom_film, poll_interval=0.01),
                lambda p: p.submit_film(EXAM, sheets).job_id,
            ),
        ]
        for name, printing, submit in cases:
            runs = [one_run(printing, submit) for _ in range(args.runs)]
            rows.append((name, *(sorted(r[i] for r in runs) for i in range(3))))
        store.close()

    print(
        f"print latency, median of {args.runs} runs [min-max], seconds; "
        f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    header = f"{'case':50} {'accepted':>18} {'first done':>18} {'all done':>18}"
    print(header)
    print("-" * len(header))
    for name, *columns in rows:
        cells = [f"{statistics.median(c):6.3f} [{c[0]:.2f}-{c[-1]:.2f}]" for c in columns]
        print(f"{name:50} {cells[0]:>18} {cells[1]:>18} {cells[2]:>18}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
