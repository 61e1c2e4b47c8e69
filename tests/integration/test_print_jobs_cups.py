"""Print jobs through the real cupsd: jams, a stopped queue, paper out, toner low, a crash.

The film printer is the jamsim queue: every CUPS job it completes is a file ``job-<id>.bin`` (the
PDF it received). Each test asserts on those files: how many sheets reached the printer and which
pixels each carried, against the sheets the kiosk meant to print.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from pypdf import PdfReader

from drivers.base import FilmSheet, JobPhase
from drivers.printer import CupsDocumentPrinter, CupsFilmPrinter
from kiosk_app.core.models import Exam, JobState
from kiosk_app.services.device_status import Severity, printer_conditions
from kiosk_app.services.maintenance import MaintenanceService
from kiosk_app.services.printing import PrintingService
from kiosk_app.store import Store
from kiosk_app.store.repositories import AuditRepository, JobRepository, LedgerRepository
from tests.helpers.services import drive_job, wait_until

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tests.helpers.services import CupsQueues

pytestmark = pytest.mark.integration

EXAM = Exam("1.2.826.0.1.3680043.10.6.1", "ACC-JAM-1", "P-JAM", "TEST", None, ("CT",), "CT")
REPO = Path(__file__).resolve().parents[2]


def make_sheets(n: int, seed: int = 6) -> list[FilmSheet]:
    """n different 14x17 in sheets at 20 dpi (280 x 340 pixels of noise, each its own)."""
    rng = np.random.default_rng(seed)
    return [
        FilmSheet(rng.integers(0, 256, size=(340, 280), dtype=np.uint8), "14INX17IN", 20)
        for _ in range(n)
    ]


class FilmReceived:
    """What the jamsim film printer received since this object was made."""

    def __init__(self, queues: CupsQueues) -> None:
        self.out = queues.jamsim_dir / "out"
        self.before = {p.name for p in self.out.glob("job-*.bin")}

    def jobs(self) -> list[Path]:
        new = [p for p in self.out.glob("job-*.bin") if p.name not in self.before]
        return sorted(new, key=lambda p: int(p.stem.split("-")[1]))

    def pages(self) -> list[np.ndarray]:
        """Every page of every job received, in job order, as pixel arrays."""
        pages = []
        for path in self.jobs():
            for page in PdfReader(io.BytesIO(path.read_bytes())).pages:
                image = page.images[0].image
                assert image is not None
                pages.append(np.asarray(image))
        return pages


def sheet_numbers(pages: Sequence[np.ndarray], sheets: Sequence[FilmSheet]) -> list[int]:
    """Which sheet (1-based) each received page is; 0 for a page that is none of them."""
    found = []
    for page in pages:
        match = [i + 1 for i, s in enumerate(sheets) if np.array_equal(page, s.pixels)]
        found.append(match[0] if match else 0)
    return found


class JamAtSheet(CupsFilmPrinter):
    """The real film queue, whose printer develops a fault as sheet ``at`` goes in."""

    def __init__(self, queues: CupsQueues, at: int, mode: str, policy: str) -> None:
        super().__init__(queues.film_queue)
        self.queues, self.at, self.mode, self.policy = queues, at, mode, policy
        self.calls = 0

    def submit_sheets(self, sheets: Sequence[FilmSheet], title: str) -> str:
        self.calls += 1
        if self.calls == self.at:
            self.queues.set_film_fault(self.mode, self.policy)
        return super().submit_sheets(sheets, title)


@pytest.mark.parametrize(
    ("mode", "policy", "paused_reason"),
    [
        ("jam", "hold", "media-jam-error"),  # the printer holds the sheet until cleared
        ("jam", "cancel", "canceled"),  # the printer drops the jammed sheet's job
        ("empty", "hold", "media-empty-error"),  # paper out, the printer waits for paper
        ("empty", "stop", "media-empty-error"),  # CUPS stops the queue (paper out)
        ("door", "retry", "door-open-error"),  # CUPS holds the job for a retry
    ],
)
def test_five_sheets_jammed_at_sheet_3_resume_and_reach_the_printer_once_each(
    cups_queues: CupsQueues, store: Store, mode: str, policy: str, paused_reason: str
) -> None:
    received = FilmReceived(cups_queues)
    film = JamAtSheet(cups_queues, at=3, mode=mode, policy=policy)
    printing = PrintingService(
        store, CupsDocumentPrinter(cups_queues.report_queue), film, poll_interval=0.05
    )
    nurse = MaintenanceService(store, printing, {"film": film})
    sheets = make_sheets(5)

    job = printing.submit_film(EXAM, sheets).job_id
    paused = drive_job(printing, job, lambda r: r.state is JobState.PAUSED, "the job to pause")
    assert paused.confirmed == 2
    assert paused_reason in paused.reason
    assert sheet_numbers(received.pages(), sheets) == [1, 2]
    assert [w.job_id for w in nurse.waiting_jobs()] == [job]
    if policy in ("hold", "stop"):
        conditions = printer_conditions(film.status())
        assert conditions and conditions[0].severity is Severity.ERROR
    with store.session() as session:
        assert LedgerRepository(session).all() == []

    cups_queues.set_film_fault("ok")  # the nurse clears the printer...
    nurse.resume(job, "nurse01")  # ...and presses "resume"
    done = drive_job(printing, job, lambda r: not r.state.open, "the job to complete")

    assert done.state is JobState.COMPLETED and done.confirmed == 5
    assert sheet_numbers(received.pages(), sheets) == [1, 2, 3, 4, 5]
    with store.session() as session:
        ledger = LedgerRepository(session).all()
        assert [(e.item_key, e.units) for e in ledger] == [(f"{EXAM.study_uid}/film", 5)]
        units = JobRepository(session).get(job).units
        assert [u.state for u in units] == ["confirmed"] * 5
        assert len({u.printer_job_id for u in units}) == 5  # one CUPS job per sheet
        actions = [a.action for a in AuditRepository(session).recent()]
        assert "job.paused" in actions and "job.resumed" in actions


def test_a_canceled_jammed_job_prints_nothing_more(cups_queues: CupsQueues, store: Store) -> None:
    received = FilmReceived(cups_queues)
    film = JamAtSheet(cups_queues, at=2, mode="jam", policy="hold")
    printing = PrintingService(
        store, CupsDocumentPrinter(cups_queues.report_queue), film, poll_interval=0.05
    )
    nurse = MaintenanceService(store, printing, {"film": film})
    sheets = make_sheets(3, seed=7)
    job = printing.submit_film(EXAM, sheets).job_id
    drive_job(printing, job, lambda r: r.state is JobState.PAUSED, "the job to pause")

    canceled = nurse.cancel(job, "nurse01", "patient left")
    assert canceled.state is JobState.CANCELED and canceled.confirmed == 1
    cups_queues.set_film_fault("ok")
    assert printing.check(job).state is JobState.CANCELED
    assert sheet_numbers(received.pages(), sheets) == [1]
    with store.session() as session:
        assert LedgerRepository(session).all() == []


def test_toner_low_is_a_warning_that_does_not_stop_printing(
    cups_queues: CupsQueues, store: Store
) -> None:
    received = FilmReceived(cups_queues)
    cups_queues.set_film_fault("toner-low")
    cups_queues.set_film_markers(4)
    film = CupsFilmPrinter(cups_queues.film_queue)
    printing = PrintingService(
        store, CupsDocumentPrinter(cups_queues.report_queue), film, poll_interval=0.05
    )
    sheets = make_sheets(2, seed=8)
    job = printing.submit_film(EXAM, sheets).job_id
    done = drive_job(printing, job, lambda r: not r.state.open, "the job to complete")
    assert done.state is JobState.COMPLETED
    assert sheet_numbers(received.pages(), sheets) == [1, 2]

    status = film.status()
    assert status.markers == {"Film": 4}
    conditions = printer_conditions(status)
    assert [(c.code, c.severity) for c in conditions] == [("toner-low", Severity.WARNING)]
    assert "Toner is low" in conditions[0].text


def test_a_report_goes_as_one_job_with_its_options(cups_queues: CupsQueues, store: Store) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from drivers.printer.cups import document_options

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for page in (1, 2):
        canvas.drawString(72, 760, f"Report page {page} of 2, kiosk check 6")
        canvas.showPage()
    canvas.save()
    report = CupsDocumentPrinter(cups_queues.report_queue)
    printing = PrintingService(
        store,
        report,
        CupsFilmPrinter(cups_queues.film_queue),
        poll_interval=0.05,
        report_options=document_options(duplex=True),
    )
    job = printing.submit_report(EXAM, buffer.getvalue(), 2).job_id
    done = drive_job(printing, job, lambda r: not r.state.open, "the report to complete")
    assert done.state is JobState.COMPLETED and done.confirmed == 2
    with store.session() as session:
        printer_job = JobRepository(session).get(job).printer_job_id
    pages = PdfReader(cups_queues.report_output(printer_job)).pages
    texts = [page.extract_text() for page in pages]
    assert len(texts) == 2 and "page 1 of 2" in texts[0] and "page 2 of 2" in texts[1]
    attrs = cups_queues.connection().getJobAttributes(int(printer_job))
    assert attrs["sides"] == "two-sided-long-edge" and attrs["media"] == "iso_a4_210x297mm"
    assert attrs["print-scaling"] == "none" and attrs["orientation-requested"] == 3


CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    sys.path.insert(0, {repo!r})
    from drivers.base import FilmSheet
    from drivers.printer import CupsDocumentPrinter, CupsFilmPrinter
    from kiosk_app.core.models import Exam, JobState
    from kiosk_app.services.printing import PrintingService
    from kiosk_app.store import Store

    class JamAtThree(CupsFilmPrinter):
        calls = 0
        def submit_sheets(self, sheets, title):
            JamAtThree.calls += 1
            if JamAtThree.calls == 3:
                open({jamsim!r} + "/policy", "w").write("hold\\n")
                open({jamsim!r} + "/mode", "w").write("jam\\n")
            return super().submit_sheets(sheets, title)

    rng = np.random.default_rng(6)
    sheets = [FilmSheet(rng.integers(0, 256, size=(340, 280), dtype=np.uint8), "14INX17IN", 20)
              for _ in range(5)]
    printing = PrintingService(Store.open(__import__("pathlib").Path({db!r})),
                               CupsDocumentPrinter({report!r}), JamAtThree({film!r}),
                               poll_interval=0.05)
    exam = Exam("1.2.826.0.1.3680043.10.6.1", "ACC-JAM-1", "P-JAM", "T", None, ("CT",), "CT")
    job = printing.submit_film(exam, sheets).job_id
    while printing.check(job).state is not JobState.PAUSED:
        time.sleep(0.05)
    print("PAUSED", job, flush=True)
    time.sleep(600)
    """
)


def test_sigkill_mid_job_then_restart_never_prints_again_by_itself(
    cups_queues: CupsQueues, tmp_path: Path
) -> None:
    received = FilmReceived(cups_queues)
    db = tmp_path / "kiosk.db"
    script = CHILD.format(
        repo=str(REPO),
        jamsim=str(cups_queues.jamsim_dir),
        db=str(db),
        report=cups_queues.report_queue,
        film=cups_queues.film_queue,
    )
    env = {**os.environ, "CUPS_SERVER": cups_queues.server}
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.startswith("PAUSED"), line
        job = int(line.split()[1])
    finally:
        child.send_signal(signal.SIGKILL)  # the kiosk dies with sheet 3 jammed in the printer
        child.wait()
    sheets = make_sheets(5)
    assert sheet_numbers(received.pages(), sheets) == [1, 2]

    store = Store.open(db)  # the kiosk starts again
    film = CupsFilmPrinter(cups_queues.film_queue)
    printing = PrintingService(
        store, CupsDocumentPrinter(cups_queues.report_queue), film, poll_interval=0.05
    )
    (result,) = printing.reconcile()
    assert result.job_id == job and result.state is JobState.PAUSED
    assert result.confirmed == 2 and "interrupted by a restart" in result.attention

    cups_queues.set_film_fault("ok")  # a nurse clears the jam: sheet 3, already sent, prints
    wait_until(lambda: len(received.jobs()) == 3, 30, "sheet 3 to come out")
    third = drive_job(printing, job, lambda r: r.confirmed == 3, "sheet 3 to be confirmed")
    assert third.state is JobState.PAUSED and third.attention  # still waits for the nurse
    for _ in range(5):
        assert printing.check(job).state is JobState.PAUSED
    assert sheet_numbers(received.pages(), sheets) == [1, 2, 3]  # 4 and 5 never sent
    assert not [j for j in film_jobs(cups_queues) if j not in received_ids(received)]

    nurse = MaintenanceService(store, printing, {"film": film})
    with pytest.raises(ValueError, match="restarted since it was sent"):
        nurse.resume(job, "nurse01")
    assert nurse.cancel(job, "nurse01", "restart").state is JobState.CANCELED
    with store.session() as session:
        assert LedgerRepository(session).all() == []


def film_jobs(queues: CupsQueues) -> list[int]:
    """Film queue jobs not completed yet (none should be waiting after the restart)."""
    jobs = queues.connection().getJobs(which_jobs="not-completed")
    return [j for j, a in jobs.items() if str(a.get("job-printer-uri", "")).endswith("/KioskFilm")]


def received_ids(received: FilmReceived) -> list[int]:
    return [int(p.stem.split("-")[1]) for p in received.jobs()]


def test_a_job_canceled_in_cups_while_the_kiosk_was_down_is_not_delivered(
    cups_queues: CupsQueues, store: Store
) -> None:
    film = CupsFilmPrinter(cups_queues.film_queue)
    printing = PrintingService(
        store, CupsDocumentPrinter(cups_queues.report_queue), film, poll_interval=0.05
    )
    cups_queues.set_film_fault("jam")
    job = printing.submit_film(EXAM, make_sheets(1, seed=9)).job_id
    drive_job(printing, job, lambda r: r.state is JobState.PAUSED, "the job to pause")
    with store.session() as session:
        printer_job = JobRepository(session).get(job).printer_job_id
    assert printer_job is not None
    cups_queues.connection().cancelJob(int(printer_job))  # someone at the print server
    wait_until(lambda: film.job_status(printer_job).phase is JobPhase.CANCELED, 15, "cancel")

    restarted = PrintingService(
        store, CupsDocumentPrinter(cups_queues.report_queue), film, poll_interval=0.05
    )
    (result,) = restarted.reconcile()
    # Canceled by someone other than the kiosk: a fault for the nurse, not a patient's cancel,
    # and never resent behind their back.
    assert result.state is JobState.FAILED and "canceled at the printer" in result.reason
    with store.session() as session:
        assert JobRepository(session).get(job).printer_job_id == printer_job
    with store.session() as session:
        assert LedgerRepository(session).all() == []


def test_queue_discovery_lists_the_schedulers_queues(cups_queues: CupsQueues) -> None:
    from drivers.printer.cups import list_queues

    queues = list_queues()
    assert {cups_queues.report_queue, cups_queues.film_queue} <= set(queues)
    assert queues[cups_queues.film_queue]["device-uri"].startswith("jamsim:")
    assert queues[cups_queues.report_queue]["printer-state"] == 3  # idle
