"""Films and reports through a real IPP Everywhere printer, the way a hospital sets one up.

KioskIPP is a ``lpadmin -m everywhere`` queue in front of ippeveprinter (a greyscale film
printer with 8x10, 10x12, 11x14, 14x14, 14x17 in and A4, borderless; services.sh), so every job
goes through CUPS's own filters (pdftopdf) and ipp backend. ippeveprinter's print command
(scripts/ippjam.sh) keeps each document it receives, with the job's IPP attributes; the tests
look at those documents: pages, the physical page size in points, and the film's pixels
(rasterised with Ghostscript at the sheet's dpi) against the sheet the kiosk composed. Faults are
what such a printer reports: media-jam-warning while jammed (CUPS turns the printer's -error
into -warning), media-empty-warning + media-needed-warning, and a printer that gives up, whose
job CUPS ends as canceled.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from drivers.base import FilmSheet
from drivers.printer import CupsDocumentPrinter, CupsFilmPrinter
from drivers.printer.cups import document_options, parse_server
from drivers.printer.media import pwg_media
from drivers.printer.sheet_pdf import sheets_to_pdf
from kiosk_app.core.models import Exam, JobState
from kiosk_app.services import selftest
from kiosk_app.services.device_status import Severity, printer_conditions
from kiosk_app.services.film.layout import sheet_shape
from kiosk_app.services.maintenance import MaintenanceService
from kiosk_app.services.policy import FilmSizeUnsupportedError
from kiosk_app.services.printing import JobResult, PrintingService
from kiosk_app.store import Store
from kiosk_app.store.repositories import AuditRepository, JobRepository, LedgerRepository
from offline_cache import outbox
from tests.helpers.services import drive_job, print_and_wait, wait_until

pytestmark = pytest.mark.integration

EXAM = Exam("1.2.826.0.1.3680043.10.6.13", "ACC-IPP-1", "P-IPP", "TEST", None, ("CT",), "CT")
DPI = 20  # small sheets keep the tests fast; the page size in points does not depend on it


# ------------------------------------------------------------------------------- the printer
@dataclass
class IppPrinter:
    """The KioskIPP queue, its ippeveprinter, and what that printer received."""

    queue: str
    uri: str
    server: str
    ippjam: Path

    @property
    def out(self) -> Path:
        return self.ippjam / "out"

    def connection(self) -> Any:
        import cups

        host, port = parse_server(self.server)
        return cups.Connection(host=host, port=port)

    def set_mode(self, mode: str) -> None:
        """ippjam's fault: ok, jam, empty, door, abort, abort-jam, toner-low."""
        (self.ippjam / "mode").write_text(mode + "\n")

    def documents(self) -> set[str]:
        return {p.name for p in self.out.glob("*.pdf")}

    def printer_reasons(self) -> list[str]:
        """The printer's own printer-state-reasons (asked directly, not through CUPS)."""
        import cups

        host, port = self.uri.split("//", 1)[1].split("/", 1)[0].split(":")
        attrs = cups.Connection(host=host, port=int(port)).getPrinterAttributes(
            uri=self.uri, requested_attributes=["printer-state-reasons"]
        )
        return list(attrs["printer-state-reasons"])

    def power_cycle(self, run: Path) -> None:
        """Switch the printer off mid-job and on again: ippeveprinter (and its print command) is
        killed, then started again with the same command line and environment as services.sh
        gave it. It comes back with no job history, as a real printer does."""
        pid_file = run / "ippeveprinter.pid"
        pid = int(pid_file.read_text().split()[0])
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        env = dict(item.split(b"=", 1) for item in environ if b"=" in item)
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        for victim in [pid, *map(int, children)]:
            os.kill(victim, signal.SIGKILL)
        wait_until(lambda: not Path(f"/proc/{pid}").exists(), 10, "the printer to be off")
        time.sleep(2)  # off for a while: CUPS's backend finds nobody there
        with open(run / "ippeveprinter.log", "ab") as log_file:
            printer = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        pid_file.write_text(f"{printer.pid} {argv[0].decode()}\n")  # services.sh stops it
        wait_until(lambda: self._answers(), 30, "the printer to be on again", interval=0.2)

    def _answers(self) -> bool:
        try:
            self.printer_reasons()
        except Exception:
            return False
        return True

    def reset(self) -> None:
        self.set_mode("ok")
        connection = self.connection()
        connection.cancelAllJobs(name=self.queue, purge_jobs=False)
        connection.enablePrinter(self.queue)
        connection.acceptJobs(self.queue)
        queue_reasons = connection.getPrinterAttributes(
            self.queue, requested_attributes=["printer-state-reasons"]
        )["printer-state-reasons"]
        if any(
            r.endswith(("-error", "-warning")) for r in [*self.printer_reasons(), *queue_reasons]
        ):
            # A printer that gave up after a jam keeps it until it prints again, and CUPS keeps
            # what its backend last said on the queue until the next job.
            clear = sheets_to_pdf(noise_sheets(1, "8INX10IN"), "clear")
            print_and_wait(
                connection, self.queue, clear, ".pdf", "clear", 60,
                "a job that clears the printer's fault",
            )  # fmt: skip
        wait_until(
            lambda: (
                connection.getPrinterAttributes(self.queue, requested_attributes=["printer-state"])[
                    "printer-state"
                ]
                == 3
            ),
            30,
            f"{self.queue} to become idle",
            interval=0.1,
        )

    def queue_jobs(self) -> list[int]:
        jobs = self.connection().getJobs(
            which_jobs="all", requested_attributes=["job-id", "job-printer-uri"]
        )
        return [
            j for j, a in jobs.items() if str(a.get("job-printer-uri", "")).endswith(self.queue)
        ]


@pytest.fixture
def ipp(services_env: dict[str, str]) -> Iterator[IppPrinter]:
    queue = services_env.get("KIOSK_IPP_QUEUE")
    if not queue:
        pytest.skip(
            "no IPP Everywhere queue (KIOSK_IPP_QUEUE) in the services env: restart the services "
            "with scripts/services.sh from a checkout that has ippeveprinter (cups-ipp-utils)"
        )
    printer = IppPrinter(
        queue, services_env["KIOSK_IPP_URI"], services_env["CUPS_SERVER"],
        Path(services_env["KIOSK_IPPJAM_DIR"]),
    )  # fmt: skip
    try:
        printer.reset()
    except RuntimeError as exc:
        pytest.fail(f"cupsd does not answer ({exc}): services.sh status")
    yield printer
    printer.reset()


class Received:
    """The documents ippeveprinter was given since this object was made, in its job order."""

    def __init__(self, printer: IppPrinter) -> None:
        self.printer = printer
        self.before = printer.documents()

    def paths(self) -> list[Path]:
        new = [self.printer.out / n for n in self.printer.documents() - self.before]
        return sorted(new, key=lambda p: int(p.name.split("-", 1)[0]))

    def wait(self, count: int, timeout: float = 60) -> list[Path]:
        wait_until(
            lambda: len(self.paths()) >= count, timeout, f"{count} document(s) at the printer"
        )
        return self.paths()

    @staticmethod
    def attrs(path: Path) -> dict[str, str]:
        """The IPP job attributes the printer got with a document (IPP_MEDIA_COL=...)."""
        text = path.with_suffix(".attrs").read_text()
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def page_sizes(path: Path) -> list[tuple[float, float]]:
    """Each page's physical size in points (its media box, as the printer lays it out)."""
    pages = PdfReader(path).pages
    return [(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in pages]


def rasterise(path: Path, dpi: int) -> list[np.ndarray]:
    """Every page rendered by Ghostscript to 8-bit grey at ``dpi``."""
    if shutil.which("gs") is None:
        pytest.skip("Ghostscript (gs) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pgmraw", f"-r{dpi}",
             f"-sOutputFile={tmp}/p%03d.pgm", str(path)],
            check=True, timeout=60,
        )  # fmt: skip
        return [read_pgm(p) for p in sorted(Path(tmp).glob("p*.pgm"))]


def read_pgm(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"))


def same_pixels(page: np.ndarray, sheet: FilmSheet) -> bool:
    """The rendered page is the sheet: same shape, every pixel within one grey level (the
    renderer's colour conversion rounds)."""
    if page.shape != sheet.pixels.shape:
        return False
    return int(np.abs(page.astype(np.int16) - sheet.pixels.astype(np.int16)).max()) <= 1


def noise_sheets(n: int, size: str = "14INX17IN", landscape: bool = False) -> list[FilmSheet]:
    rng = np.random.default_rng(13 + n)
    shape = sheet_shape(size, DPI, landscape)
    return [
        FilmSheet(rng.integers(0, 256, size=shape, dtype=np.uint8), size, DPI, not landscape)
        for _ in range(n)
    ]


def sheet_numbers(received: Received, sheets: Sequence[FilmSheet]) -> list[int]:
    """Which sheet (1-based) each received page is; 0 for a page that is none of them."""
    found = []
    for path in received.paths():
        for page in rasterise(path, DPI):
            match = [i + 1 for i, s in enumerate(sheets) if same_pixels(page, s)]
            found.append(match[0] if match else 0)
    return found


def drive(
    printing: PrintingService, job: int, until: Callable[[JobResult], bool], what: str
) -> JobResult:
    """:func:`drive_job` with time for ippeveprinter's faults (a give-up takes 2 s a sheet)."""
    return drive_job(printing, job, until, what, timeout=90, interval=0.1)


def assert_nothing_resent(
    ipp: IppPrinter, printing: PrintingService, job: int, state: JobState
) -> None:
    """However often the kiosk looks, the job stays in ``state`` and no job reaches CUPS."""
    jobs = ipp.queue_jobs()
    for _ in range(5):
        assert printing.check(job).state is state
    assert ipp.queue_jobs() == jobs


# ------------------------------------------------------------------------ film at true size
@pytest.mark.parametrize(
    ("size", "landscape", "points", "micrometres"),
    [
        ("14INX17IN", False, (1008.0, 1224.0), (35560, 43180)),
        ("8INX10IN", False, (576.0, 720.0), (20320, 25400)),
        ("14INX14IN", False, (1008.0, 1008.0), (35560, 35560)),
    ],
)
def test_a_film_reaches_the_printer_at_its_true_size_with_its_pixels(
    ipp: IppPrinter,
    size: str,
    landscape: bool,
    points: tuple[float, float],
    micrometres: tuple[int, int],
) -> None:
    received = Received(ipp)
    sheet = noise_sheets(1, size, landscape)[0]
    film = CupsFilmPrinter(ipp.queue)
    job = film.submit_sheets([sheet], f"film-{size}")
    wait_until(lambda: film.job_status(job).phase.final, 60, "the film job to end")
    assert film.job_status(job).phase.value == "completed"

    (path,) = received.wait(1)
    assert page_sizes(path) == [points]  # one page, 14x17 in = 1008 x 1224 pt: not scaled
    (page,) = rasterise(path, DPI)
    assert same_pixels(page, sheet), "the film's pixels changed on the way"
    attrs = Received.attrs(path)
    x, y = micrometres
    assert f"media-size={{x-dimension={x} y-dimension={y}}}" in attrs["IPP_MEDIA_COL"]
    assert attrs["IPP_PRINT_COLOR_MODE"] == "monochrome"
    cups_job = ipp.connection().getJobAttributes(int(job))
    assert cups_job["media"] == pwg_media(size)
    assert cups_job["print-scaling"] == "none" and cups_job["orientation-requested"] == 3


def test_without_the_kiosks_options_cups_puts_a_film_on_other_paper(ipp: IppPrinter) -> None:
    """What the options prevent: the same PDF sent bare comes out on the queue's default paper."""
    received = Received(ipp)
    sheet = noise_sheets(1)[0]
    bare = sheets_to_pdf([sheet], "bare")
    print_and_wait(ipp.connection(), ipp.queue, bare, ".pdf", "bare-film", 60, "the bare job")
    (path,) = received.wait(1)
    assert page_sizes(path) != [(1008.0, 1224.0)]
    assert not same_pixels(rasterise(path, DPI)[0], sheet)


def test_a_report_reaches_the_printer_on_a4_unscaled(ipp: IppPrinter) -> None:
    received = Received(ipp)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for page in (1, 2):
        canvas.drawString(72, 760, f"Report page {page} of 2, IPP check 13")
        canvas.rect(72, 72, 451.28, 697.89)  # 1 in from every edge of the A4 page
        canvas.showPage()
    canvas.save()
    report = CupsDocumentPrinter(ipp.queue)
    job = report.submit_pdf(buffer.getvalue(), "report-ipp", document_options())
    wait_until(lambda: report.job_status(job).phase.final, 60, "the report job to end")
    (path,) = received.wait(1)
    assert page_sizes(path) == [(595.28, 841.89)] * 2
    texts = [p.extract_text() for p in PdfReader(path).pages]
    assert "page 1 of 2" in texts[0] and "page 2 of 2" in texts[1]
    # unscaled: the frame 1 in from the edges is still 1 in (20 px at 20 dpi) from them
    first = rasterise(path, 20)[0]
    assert first.shape == (234, 165)  # A4 at 20 dpi
    dark_rows = np.where((first < 128).sum(axis=1) > 100)[0]
    assert abs(int(dark_rows.min()) - 20) <= 1 and abs(int(dark_rows.max()) - (234 - 21)) <= 1
    cups_job = ipp.connection().getJobAttributes(int(job))
    assert cups_job["media"] == "iso_a4_210x297mm" and cups_job["print-scaling"] == "none"


# ------------------------------------------------------------------- a size the queue lacks
def test_a_film_size_the_queue_lacks_is_refused_before_anything_is_sent(
    ipp: IppPrinter, store: Store
) -> None:
    received = Received(ipp)
    jobs_before = ipp.queue_jobs()
    film = CupsFilmPrinter(ipp.queue)
    printing = PrintingService(store, CupsDocumentPrinter(ipp.queue), film, poll_interval=0.05)

    with pytest.raises(FilmSizeUnsupportedError) as refused:
        printing.submit_film(EXAM, noise_sheets(1, "24CMX30CM"))
    assert refused.value.message_id == "film.size_unsupported"
    assert "24CMX30CM" in str(refused.value) and ipp.queue in str(refused.value)
    assert "胶片打印机" in refused.value.text("zh_CN")
    assert ipp.queue_jobs() == jobs_before  # not a single job reached CUPS
    time.sleep(0.5)
    assert received.paths() == []
    with store.session() as session:
        assert JobRepository(session).open_jobs() == []
        assert LedgerRepository(session).all() == []
        assert "job.refused" in [a.action for a in AuditRepository(session).recent()]
    faults = [e for e in outbox.claim(store.engine) if e.kind == "device.fault"]
    assert len(faults) == 1 and "24CMX30CM" in faults[0].payload["reason"]

    # what kiosk selftest (and kiosk setup) say about the same queue
    report = selftest.run(
        [
            selftest.check_printer("film_printer", film, film_size="24CMX30CM"),
            selftest.check_printer("film_printer", film, film_size="14INX17IN"),
        ],
        kiosk_id="k",
        version="0",
    )
    lacking, fine = report.results
    assert lacking.level is selftest.Level.FAIL
    assert "cannot print 24CMX30CM film at its true size" in lacking.detail
    assert "14INX17IN" in lacking.detail and "8INX10IN" in lacking.detail  # what it offers
    assert fine.level is selftest.Level.OK
    assert "prints 14INX17IN film at its true size" in fine.detail


# ------------------------------------------------------------------------- jams and aborts
class FaultAtSheet(CupsFilmPrinter):
    """The real IPP queue, whose printer develops a fault as sheet ``at`` goes in."""

    def __init__(self, printer: IppPrinter, at: int, mode: str) -> None:
        super().__init__(printer.queue)
        self.printer, self.at, self.mode = printer, at, mode
        self.calls = 0

    def submit_sheets(self, sheets: Sequence[FilmSheet], title: str) -> str:
        self.calls += 1
        if self.calls == self.at:
            self.printer.set_mode(self.mode)
        return super().submit_sheets(sheets, title)


@pytest.mark.parametrize(
    ("mode", "paused_reason"),
    [
        ("jam", "media-jam-warning"),  # the printer holds the sheet until the jam is cleared
        ("empty", "media-empty-warning"),  # out of film: it waits with media-needed
        ("door", "cover-open-warning"),  # ippeveprinter says cover-open for a door
        ("abort-jam", "at the printer"),  # it gives up: CUPS ends the job canceled (or completed)
    ],
)
def test_five_sheets_jammed_at_sheet_3_on_ipp_everywhere_reach_the_printer_once_each(
    ipp: IppPrinter, store: Store, mode: str, paused_reason: str
) -> None:
    received = Received(ipp)
    film = FaultAtSheet(ipp, at=3, mode=mode)
    printing = PrintingService(store, CupsDocumentPrinter(ipp.queue), film, poll_interval=0.05)
    nurse = MaintenanceService(store, printing, {"film": film})
    sheets = noise_sheets(5)

    job = printing.submit_film(EXAM, sheets).job_id
    paused = drive(
        printing, job, lambda r: r.state is JobState.PAUSED and paused_reason in r.reason, "a pause"
    )
    assert paused.confirmed == 2
    assert sheet_numbers(received, sheets) == [1, 2]
    assert [w.job_id for w in nurse.waiting_jobs()] == [job]
    if mode != "abort-jam":
        conditions = printer_conditions(film.status())
        assert conditions and conditions[0].severity is Severity.ERROR
    else:
        assert "at the printer" in paused.attention  # the nurse must decide
        assert_nothing_resent(ipp, printing, job, JobState.PAUSED)
    with store.session() as session:
        assert LedgerRepository(session).all() == []

    ipp.set_mode("ok")  # the nurse clears the printer...
    nurse.resume(job, "nurse01")  # ...and presses "resume"
    done = drive(printing, job, lambda r: not r.state.open, "the job to complete")

    assert done.state is JobState.COMPLETED and done.confirmed == 5
    assert sheet_numbers(received, sheets) == [1, 2, 3, 4, 5]
    for path in received.paths():
        assert page_sizes(path) == [(1008.0, 1224.0)]
    with store.session() as session:
        ledger = LedgerRepository(session).all()
        assert [(e.item_key, e.units) for e in ledger] == [(f"{EXAM.study_uid}/film", 5)]
        units = JobRepository(session).get(job).units
        assert [u.state for u in units] == ["confirmed"] * 5


def test_a_job_canceled_at_the_printer_is_a_fault_and_nothing_is_delivered(
    ipp: IppPrinter, store: Store
) -> None:
    received = Received(ipp)
    ipp.set_mode("abort")  # the printer takes the job, then gives up on it
    film = CupsFilmPrinter(ipp.queue)
    printing = PrintingService(store, CupsDocumentPrinter(ipp.queue), film, poll_interval=0.05)
    jobs_before = set(ipp.queue_jobs())

    job = printing.submit_film(EXAM, noise_sheets(1)).job_id
    done = drive(printing, job, lambda r: not r.state.open, "the job to end")

    assert done.state is JobState.FAILED  # a fault, not "canceled by the kiosk"
    assert "canceled at the printer" in done.reason
    assert done.confirmed == 0 and received.paths() == []
    with store.session() as session:
        assert LedgerRepository(session).all() == []
        units = JobRepository(session).get(job).units
        assert [u.state for u in units] == ["lost"]
    faults = [e.payload for e in outbox.claim(store.engine) if e.kind == "device.fault"]
    assert faults == [{"printer": ipp.queue, "reason": done.reason, "job_id": job}]
    ipp.set_mode("ok")
    for _ in range(5):
        assert printing.check(job).state is JobState.FAILED
    assert len(set(ipp.queue_jobs()) - jobs_before) == 1  # sent once, never again
    assert received.paths() == []


def test_a_job_cups_records_as_completed_but_the_printer_aborted_is_not_printed(
    ipp: IppPrinter,
) -> None:
    """CUPS's ipp backend sometimes ends a job the printer aborted as *completed* (its main
    thread stops polling on any ended remote job; only its monitor thread says "canceled at
    printer"). The driver asks the printer itself after a fault, so such a job never counts as
    printed. Jobs are sent until CUPS has shown that race at least once."""
    film = CupsFilmPrinter(ipp.queue)
    connection = ipp.connection()
    received = Received(ipp)
    ipp.set_mode("abort-jam")
    seen: list[tuple[int, str]] = []  # (what CUPS recorded, what the driver says)
    for attempt in range(16):
        job = film.submit_sheets(noise_sheets(1), f"film-race-{attempt}")
        status = wait_until(
            lambda job=job: (lambda s: s if s.phase.final else None)(film.job_status(job)),
            60,
            "the aborted job to end",
            interval=0.1,
        )
        seen.append((connection.getJobAttributes(int(job))["job-state"], status.phase.value))
        if seen[-1][0] == 9:
            assert "CUPS recorded it as completed" in status.message
            break
    assert all(phase in ("canceled", "aborted") for _, phase in seen), seen
    assert 9 in [cups_state for cups_state, _ in seen], f"CUPS never showed the race: {seen}"
    assert received.paths() == []  # the printer printed none of them


def test_a_printer_switched_off_mid_job_leaves_the_sheet_for_the_nurse_to_check(
    ipp: IppPrinter, store: Store, services_env: dict[str, str]
) -> None:
    """Jammed at sheet 3, the printer is switched off and on: it forgets the job, and CUPS ends
    it "completed" without knowing (cups-ipp-missing-job-history). The kiosk neither counts
    sheet 3 nor sends it again by itself; the nurse looks in the tray, finds it missing, and
    resumes: sheets 1-5 come out once each."""
    run = Path(services_env["KIOSK_IPPJAM_DIR"]).parent
    received = Received(ipp)
    film = FaultAtSheet(ipp, at=3, mode="jam")
    printing = PrintingService(store, CupsDocumentPrinter(ipp.queue), film, poll_interval=0.05)
    nurse = MaintenanceService(store, printing, {"film": film})
    sheets = noise_sheets(5)
    job = printing.submit_film(EXAM, sheets).job_id
    drive(printing, job, lambda r: r.state is JobState.PAUSED and r.confirmed == 2, "the jam")

    ipp.set_mode("ok")
    ipp.power_cycle(run)
    unknown = drive(printing, job, lambda r: r.state is JobState.UNKNOWN, "an uncertain sheet")
    assert unknown.confirmed == 2 and "may or may not have printed" in unknown.reason
    assert sheet_numbers(received, sheets) == [1, 2]
    assert_nothing_resent(ipp, printing, job, JobState.UNKNOWN)
    with store.session() as session:
        assert LedgerRepository(session).all() == []
        units = JobRepository(session).get(job).units
        assert [u.state for u in units] == [
            "confirmed",
            "confirmed",
            "uncertain",
            "pending",
            "pending",
        ]

    nurse.resume(job, "nurse01")  # sheet 3 is not in the tray
    done = drive(printing, job, lambda r: not r.state.open, "the job to complete")
    assert done.state is JobState.COMPLETED and done.confirmed == 5
    assert sheet_numbers(received, sheets) == [1, 2, 3, 4, 5]


def test_a_jammed_sheet_canceled_as_the_jam_clears_is_recorded_as_what_the_tray_holds(
    ipp: IppPrinter, store: Store
) -> None:
    """Found by the soak: the nurse cleared the jam and cancelled the job (the patient had
    left); the printer finished the sheet it held, CUPS ended the job canceled, and the kiosk
    called it unprinted, so the patient's next visit printed the film again. Whichever wins
    the race, the kiosk never calls a printed sheet cancelled, nor delivers one not printed:
    what it cannot know (ippeveprinter records a job it could not stop as canceled) waits for
    the nurse to look in the tray."""
    received = Received(ipp)
    film = CupsFilmPrinter(ipp.queue)
    printing = PrintingService(store, CupsDocumentPrinter(ipp.queue), film, poll_interval=0.05)
    ipp.set_mode("jam")
    job = printing.submit_film(EXAM, noise_sheets(1, "8INX10IN")).job_id
    drive(printing, job, lambda r: r.state is JobState.PAUSED, "the jam to pause the job")
    ipp.set_mode("ok")  # the nurse clears the jam ...
    time.sleep(0.1)
    result = printing.cancel(job, "nurse01", "patient left")  # ... and cancels at once
    time.sleep(2)  # whatever the printer was going to print is out by now
    printed = len(received.paths())
    with store.session() as session:
        delivered = LedgerRepository(session).all()
    if printed:
        assert result.state in (JobState.COMPLETED, JobState.UNKNOWN), result
    else:
        assert result.state in (JobState.CANCELED, JobState.UNKNOWN), result
    assert len(delivered) == (result.state is JobState.COMPLETED)
    if result.state is JobState.UNKNOWN:
        assert "look in the tray" in result.attention
