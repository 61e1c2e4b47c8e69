"""The small IPP client that asks a network printer how its jobs ended, and how the CUPS
driver uses it when CUPS calls a job completed after a printer fault."""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from drivers.base import JobPhase
from drivers.errors import PrinterError
from drivers.printer import cups as cups_driver
from drivers.printer import ipp


def attribute(tag: int, name: str, value: bytes) -> bytes:
    return (
        struct.pack(">BH", tag, len(name)) + name.encode() + struct.pack(">H", len(value)) + value
    )


def job_group(job_id: int, name: str, state: int, *reasons: str) -> bytes:
    out = bytes([0x02]) + attribute(0x21, "job-id", struct.pack(">i", job_id))
    out += attribute(0x42, "job-name", name.encode())
    out += attribute(0x23, "job-state", struct.pack(">i", state))
    for i, reason in enumerate(reasons):
        out += attribute(0x44, "job-state-reasons" if i == 0 else "", reason.encode())
    return out


def response(*groups: bytes, status: int = 0) -> bytes:
    head = struct.pack(">BBHI", 1, 1, status, 7) + bytes([0x01])
    head += attribute(0x47, "attributes-charset", b"utf-8")
    return head + b"".join(groups) + bytes([0x03])


def test_a_request_carries_the_operation_and_its_attributes_in_order() -> None:
    body = ipp.encode_request(
        ipp.GET_JOBS,
        "ipp://127.0.0.1:8631/ipp/print",
        which_jobs=[(0x44, b"completed")],
        requested_attributes=[(0x44, b"job-id"), (0x44, b"job-state")],
    )
    assert body[:4] == b"\x01\x01\x00\x0a"  # IPP/1.1 Get-Jobs
    assert body[-1] == 0x03
    _, groups = ipp.decode_response(body)  # same framing as an answer
    ((tag, attrs),) = groups
    assert tag == 0x01 and list(attrs) == [
        "attributes-charset",
        "attributes-natural-language",
        "printer-uri",
        "which-jobs",
        "requested-attributes",
    ]
    assert attrs["printer-uri"] == ["ipp://127.0.0.1:8631/ipp/print"]
    assert attrs["requested-attributes"] == ["job-id", "job-state"]


def test_an_answer_gives_each_job_with_its_values() -> None:
    data = response(
        job_group(4, "film-a-s1", 9, "job-completed-successfully"),
        job_group(5, "film-a-s2", 8, "aborted-by-system", "job-incoming"),
    )
    status, groups = ipp.decode_response(data)
    assert status == 0 and [tag for tag, _ in groups] == [0x01, 0x02, 0x02]
    assert groups[2][1] == {
        "job-id": [5],
        "job-name": ["film-a-s2"],
        "job-state": [8],
        "job-state-reasons": ["aborted-by-system", "job-incoming"],
    }


def test_a_cut_short_answer_is_an_ipp_error() -> None:
    with pytest.raises(ipp.IppError, match="cut short"):
        ipp.decode_response(response(job_group(4, "film-a-s1", 9))[:-9])
    with pytest.raises(ipp.IppError, match="too short"):
        ipp.decode_response(b"\x01\x01")


@pytest.mark.parametrize(
    ("uri", "url"),
    [
        ("ipp://127.0.0.1:8631/ipp/print", "http://127.0.0.1:8631/ipp/print"),
        ("ipp://printer.local/ipp/print?waitjob=false", "http://printer.local:631/ipp/print"),
        ("ipps://[::1]:443/ipp/print", "https://[::1]:443/ipp/print"),
    ],
)
def test_printer_uris_become_http_urls(uri: str, url: str) -> None:
    assert ipp.http_url(uri) == url


def test_a_uri_that_is_not_ipp_is_refused() -> None:
    with pytest.raises(ipp.IppError, match="not an IPP printer URI"):
        ipp.http_url("usb://Fuji/DRYPIX")


@pytest.fixture
def printer() -> Iterator[tuple[str, list[bytes]]]:
    """An HTTP server on loopback that answers every IPP request with a canned answer."""
    answer = response(
        job_group(11, "film-x-s3", 8, "aborted-by-system"),
        job_group(12, "film-x-s3", 9, "job-completed-successfully"),
    )
    requests_seen: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            requests_seen.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Type", "application/ipp")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"ipp://127.0.0.1:{server.server_port}/ipp/print", requests_seen
    server.shutdown()
    server.server_close()


def test_get_jobs_asks_the_printer_over_http(printer: tuple[str, list[bytes]]) -> None:
    uri, seen = printer
    jobs = ipp.get_jobs(uri)
    assert jobs == [
        ipp.RemoteJob(11, "film-x-s3", 8, ("aborted-by-system",)),
        ipp.RemoteJob(12, "film-x-s3", 9, ("job-completed-successfully",)),
    ]
    assert len(seen) == 1 and b"which-jobs" in seen[0] and b"completed" in seen[0]


def test_a_printer_that_does_not_answer_is_an_ipp_error() -> None:
    with pytest.raises(ipp.IppError, match="does not answer"):
        ipp.get_jobs("ipp://127.0.0.1:9/ipp/print", timeout=1)


# ------------------------------------------------------------------ the CUPS driver's use of it
class Scheduler:
    """A CUPS connection with one completed job (as pycups gives it)."""

    def __init__(self, device: str, reasons: list[str], document: str = "film-x-s3.pdf") -> None:
        self.device, self.reasons, self.document = device, reasons, document
        self.printer_asked = 0

    def getJobAttributes(self, job: int, requested_attributes: Any = None) -> dict[str, Any]:  # noqa: N802
        return {
            "job-state": 9,
            "job-state-reasons": "processing-to-stop-point",
            "job-printer-uri": "ipp://localhost/printers/Film",
            "job-printer-state-reasons": self.reasons,
            "document-name-supplied": self.document,
        }

    def getPrinterAttributes(self, name: str, requested_attributes: Any = None) -> dict[str, Any]:  # noqa: N802
        self.printer_asked += 1
        return {"device-uri": self.device}


def film_printer(
    monkeypatch: pytest.MonkeyPatch, scheduler: Scheduler
) -> cups_driver.CupsFilmPrinter:
    monkeypatch.setattr(cups_driver, "_connect", lambda address: scheduler)
    return cups_driver.CupsFilmPrinter("Film", server="/run/cups/cups.sock")


def test_a_completed_job_without_a_fault_is_taken_at_cups_word_unless_the_printer_says_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the printer cannot be asked (nothing listens on port 9): with no fault, CUPS decides
    scheduler = Scheduler("ipp://127.0.0.1:9/ipp/print", ["toner-low-report"])
    status = film_printer(monkeypatch, scheduler).job_status("3")
    assert status.phase is JobPhase.COMPLETED
    # a printer with no record of it (no job history kept): CUPS decides too
    monkeypatch.setattr(ipp, "get_jobs", lambda device: [])
    status = film_printer(monkeypatch, Scheduler("ipp://127.0.0.1:9/ipp/print", [])).job_status("3")
    assert status.phase is JobPhase.COMPLETED
    # CUPS's backend race, with no fault reason left on the job: the printer aborted it
    aborted = [ipp.RemoteJob(11, "film-x-s3", 8, ("aborted-by-system",))]
    monkeypatch.setattr(ipp, "get_jobs", lambda device: aborted)
    status = film_printer(monkeypatch, Scheduler("ipp://127.0.0.1:9/ipp/print", [])).job_status("3")
    assert status.phase is JobPhase.ABORTED


def test_after_a_jam_the_printers_own_answer_wins(
    monkeypatch: pytest.MonkeyPatch, printer: tuple[str, list[bytes]]
) -> None:
    uri, seen = printer
    # the newest job of that name (12) completed: the sheet printed after the jam was cleared
    status = film_printer(monkeypatch, Scheduler(uri, ["media-jam-report"])).job_status("3")
    assert status.phase is JobPhase.COMPLETED and len(seen) == 1

    aborted = [ipp.RemoteJob(11, "film-x-s3", 8, ("aborted-by-system",))]
    monkeypatch.setattr(ipp, "get_jobs", lambda device: aborted)
    status = film_printer(monkeypatch, Scheduler(uri, ["media-jam-report"])).job_status("3")
    assert status.phase is JobPhase.ABORTED
    assert (
        "aborted-by-system" in status.message and "CUPS recorded it as completed" in status.message
    )


def test_a_printer_that_cannot_confirm_leaves_the_job_uncertain(
    monkeypatch: pytest.MonkeyPatch, printer: tuple[str, list[bytes]]
) -> None:
    uri, _ = printer
    unreachable = Scheduler("ipp://127.0.0.1:9/ipp/print", ["media-jam-report"])
    with pytest.raises(PrinterError) as error:
        film_printer(monkeypatch, unreachable).job_status("3")
    assert error.value.code == "job.uncertain" and "cannot confirm" in error.value.detail

    unknown = Scheduler(uri, ["media-empty-report"], document="film-y-s1.pdf")
    with pytest.raises(PrinterError) as error:
        film_printer(monkeypatch, unknown).job_status("3")
    assert error.value.code == "job.uncertain" and "no record of it" in error.value.detail


def test_a_queue_that_is_not_an_ipp_printer_keeps_cups_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scheduler = Scheduler("usb://Fuji/DRYPIX?serial=1", ["media-jam-report"])
    assert film_printer(monkeypatch, scheduler).job_status("3").phase is JobPhase.COMPLETED
    assert scheduler.printer_asked == 1


def test_a_job_cups_lost_track_of_is_what_the_printer_says(
    monkeypatch: pytest.MonkeyPatch, printer: tuple[str, list[bytes]]
) -> None:
    """cups-ipp-missing-job-history stays on the queue after a power cycle and CUPS copies it
    into every later job: the printer's own record decides, and only without one (or without
    an IPP printer to ask) is the sheet uncertain."""
    uri, _ = printer
    lost = ["cups-ipp-conformance-failure-report", "cups-ipp-missing-job-history"]
    status = film_printer(monkeypatch, Scheduler(uri, lost)).job_status("3")
    assert status.phase is JobPhase.COMPLETED  # the printer has job 12 of that name, completed

    for scheduler in (
        Scheduler(uri, lost, document="film-y-s1.pdf"),  # the printer forgot it
        Scheduler("socket://10.0.0.9:9100", lost),  # nobody to ask
    ):
        with pytest.raises(PrinterError) as error:
            film_printer(monkeypatch, scheduler).job_status("3")
        assert error.value.code == "job.uncertain"
        assert "may or may not have printed" in error.value.detail


class CanceledScheduler(Scheduler):
    """A job CUPS ended as canceled (by the kiosk), on an IPP printer."""

    def __init__(self, device: str) -> None:
        super().__init__(device, [])

    def getJobAttributes(self, job: int, requested_attributes: Any = None) -> dict[str, Any]:  # noqa: N802
        return {
            "job-state": 7,
            "job-state-reasons": "job-canceled-by-user",
            "job-printer-uri": "ipp://localhost/printers/Film",
            "document-name-supplied": self.document,
        }


def test_a_job_cups_canceled_but_the_printer_completed_printed(
    monkeypatch: pytest.MonkeyPatch, printer: tuple[str, list[bytes]]
) -> None:
    """Found by the soak: ippeveprinter printed the jammed sheet as the kiosk cancelled it
    (the jam cleared as the cancel came); CUPS ended the job canceled, the kiosk took the
    sheet as unprinted and printed the film again at the patient's next visit."""
    uri, _ = printer  # its newest job named film-x-s3 (12) completed
    status = film_printer(monkeypatch, CanceledScheduler(uri)).job_status("3")
    assert status.phase is JobPhase.COMPLETED and "CUPS recorded it as canceled" in status.message
    # it could not stop the sheet: cancelled in its own record, one impression counted
    counted = [ipp.RemoteJob(12, "film-x-s3", 7, ("job-canceled-by-user",), impressions=1)]
    monkeypatch.setattr(ipp, "get_jobs", lambda device, which="completed": (
        [] if which == "not-completed" else counted
    ))  # fmt: skip
    assert film_printer(monkeypatch, CanceledScheduler(uri)).job_status("3").phase is (
        JobPhase.COMPLETED
    )
    # the printer gave up on it: canceled it stays
    aborted = [ipp.RemoteJob(12, "film-x-s3", 8, ("aborted-by-system",))]
    monkeypatch.setattr(ipp, "get_jobs", lambda device, which="completed": aborted)
    assert film_printer(monkeypatch, CanceledScheduler(uri)).job_status("3").phase is (
        JobPhase.CANCELED
    )
    # still printing it a while after CUPS ended its job: the printer's final word counts
    answers = iter([[ipp.RemoteJob(13, "film-x-s3", 5, ())]] * 2 + [[]])
    done = [ipp.RemoteJob(13, "film-x-s3", 9, ("job-completed-successfully",))]
    monkeypatch.setattr(ipp, "get_jobs", lambda device, which="completed": (
        next(answers) if which == "not-completed" else done
    ))  # fmt: skip
    assert film_printer(monkeypatch, CanceledScheduler(uri)).job_status("3").phase is (
        JobPhase.COMPLETED
    )
    # a printer that cannot be asked, or a queue that is no IPP printer: CUPS's answer
    unreachable = CanceledScheduler("ipp://127.0.0.1:9/ipp/print")
    monkeypatch.undo()
    assert film_printer(monkeypatch, unreachable).job_status("3").phase is JobPhase.CANCELED
    usb = CanceledScheduler("usb://Fuji/DRYPIX?serial=1")
    assert film_printer(monkeypatch, usb).job_status("3").phase is JobPhase.CANCELED
