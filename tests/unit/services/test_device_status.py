"""IPP reasons and DICOM Printer Status Info map into one set of conditions."""

from __future__ import annotations

import pytest

from drivers.base import JobPhase, JobStatus, PrinterState, PrinterStatus, Protocol
from kiosk_app.services.device_status import (
    Severity,
    dicom_condition,
    ipp_condition,
    job_conditions,
    patient_problem,
    printer_conditions,
    reason_conditions,
)
from kiosk_app.services.health import Level, reason_level


@pytest.mark.parametrize(
    ("reason", "code", "severity"),
    [
        ("media-jam-error", "media-jam", Severity.ERROR),
        ("media-jam-warning", "media-jam", Severity.ERROR),  # CUPS' ipp backend says -warning
        ("media-empty-error", "media-empty", Severity.ERROR),
        ("media-needed", "media-needed", Severity.ERROR),
        ("media-low-report", "media-low", Severity.WARNING),
        ("toner-low-report", "toner-low", Severity.WARNING),
        ("toner-empty-error", "toner-empty", Severity.ERROR),
        ("marker-supply-low-warning", "marker-supply-low", Severity.WARNING),
        ("door-open-error", "door-open", Severity.ERROR),
        ("cover-open-warning", "door-open", Severity.ERROR),
        ("offline-report", "offline", Severity.WARNING),
        ("offline", "offline", Severity.ERROR),
        ("output-area-full-error", "output-area-full", Severity.ERROR),
        ("paused", "queue-stopped", Severity.ERROR),
        ("vendor-specific-error", "other", Severity.ERROR),
        ("vendor-specific-report", "other", Severity.INFO),
    ],
)
def test_ipp_reasons(reason: str, code: str, severity: Severity) -> None:
    condition = ipp_condition(reason)
    assert condition is not None
    assert (condition.code, condition.severity, condition.source) == (code, severity, reason)
    assert condition.text and condition.message_id == f"device.{code}"


@pytest.mark.parametrize(
    "reason", ["none", "", "cups-waiting-for-job-completed", "printer-stopped"]
)
def test_ipp_reasons_that_say_nothing(reason: str) -> None:
    assert ipp_condition(reason) is None


@pytest.mark.parametrize(
    ("term", "status", "code", "severity"),
    [
        ("FILM JAM", "FAILURE", "media-jam", Severity.ERROR),
        ("SUPPLY EMPTY", "FAILURE", "media-empty", Severity.ERROR),
        ("EMPTY 14X17 BLUE", "FAILURE", "media-empty", Severity.ERROR),
        ("SUPPLY LOW", "WARNING", "media-low", Severity.WARNING),
        ("LOW 8X10 CLR", "WARNING", "media-low", Severity.WARNING),
        ("COVER OPEN", "FAILURE", "door-open", Severity.ERROR),
        ("RECEIVER FULL", "FAILURE", "output-area-full", Severity.ERROR),
        ("RECEIVER FULL", "WARNING", "output-area-full", Severity.WARNING),
        ("CHEMICALS LOW", "WARNING", "marker-supply-low", Severity.WARNING),
        ("PRINTER OFFLINE", "FAILURE", "offline", Severity.ERROR),
        ("WARMING UP", "NORMAL", "warming-up", Severity.INFO),
        ("ELEC SW ERROR", "FAILURE", "printer-error", Severity.ERROR),
        ("CALIBRATING", "FAILURE", "warming-up", Severity.ERROR),
    ],
)
def test_dicom_printer_status_info(term: str, status: str, code: str, severity: Severity) -> None:
    condition = dicom_condition(term, status)
    assert condition is not None
    assert (condition.code, condition.severity, condition.source) == (code, severity, term)
    assert dicom_condition("NORMAL", "NORMAL") is None


def test_a_jam_reads_the_same_from_cups_and_from_a_dicom_printer() -> None:
    cups = PrinterStatus("KioskFilm", PrinterState.PROCESSING, ("media-jam-error",), "", True)
    dicom = PrinterStatus(
        "KIOSKPRINT",
        PrinterState.STOPPED,
        ("FILM JAM",),
        "FAILURE FILM JAM",
        False,
        protocol=Protocol.DICOM,
    )
    ((a,), (b,)) = printer_conditions(cups), printer_conditions(dicom)
    assert (a.code, a.severity, a.text) == (b.code, b.severity, b.text)
    assert (a.source, b.source) == ("media-jam-error", "FILM JAM")


def test_stopped_and_refusing_queues_and_worst_first() -> None:
    stopped = PrinterStatus("Q", PrinterState.STOPPED, ("toner-low-report",), "", True)
    assert [(c.code, c.severity) for c in printer_conditions(stopped)] == [
        ("queue-stopped", Severity.ERROR),
        ("toner-low", Severity.WARNING),
    ]
    refusing = PrinterStatus("Q", PrinterState.IDLE, (), "", accepting_jobs=False)
    assert [c.source for c in printer_conditions(refusing)] == ["not accepting jobs"]
    unknown = PrinterStatus("Q", PrinterState.UNKNOWN, (), "cupsd down", False)
    assert printer_conditions(unknown) == []


def test_job_conditions_and_health_levels() -> None:
    job = JobStatus(JobPhase.PROCESSING, ("media-jam-error", "cups-held-for-authentication"))
    assert [c.code for c in job_conditions(job)] == ["media-jam"]
    assert reason_level("media-jam-error") is Level.RED
    assert reason_level("toner-low-report") is Level.YELLOW
    assert reason_level("none") is Level.GREEN


@pytest.mark.parametrize(
    ("status", "film", "problem"),
    [
        (PrinterStatus("f", PrinterState.IDLE, accepting_jobs=True), True, ""),
        (PrinterStatus("f", PrinterState.IDLE, ("media-low-report",), accepting_jobs=True),
         True, ""),
        (PrinterStatus("f", PrinterState.IDLE, ("media-empty-error",), accepting_jobs=True),
         True, "item.printer_out_of_film"),
        (PrinterStatus("p", PrinterState.IDLE, ("media-empty-error",), accepting_jobs=True),
         False, "item.printer_out_of_paper"),
        (PrinterStatus("f", PrinterState.PROCESSING, ("media-jam-error",), accepting_jobs=True),
         True, "item.printer_fault"),
        (PrinterStatus("f", PrinterState.STOPPED, accepting_jobs=True), True, "item.printer_fault"),
        (PrinterStatus("f", PrinterState.UNKNOWN, message="refused"), True, "item.printer_offline"),
        # a DICOM printer that answers but leaves its Printer Status out is not offline
        (PrinterStatus("f", PrinterState.UNKNOWN, accepting_jobs=True, protocol=Protocol.DICOM),
         True, ""),
        (PrinterStatus("f", PrinterState.STOPPED, ("SUPPLY EMPTY",), protocol=Protocol.DICOM),
         True, "item.printer_out_of_film"),
    ],
)  # fmt: skip
def test_what_stops_a_patients_item_now(status: PrinterStatus, film: bool, problem: str) -> None:
    assert patient_problem(status, film) == problem


def test_a_jobs_stored_reason_is_read_as_conditions_and_free_text_as_none() -> None:
    """The maintenance screen words a waiting job's reason (the printer's own terms)."""
    assert [c.code for c in reason_conditions("media-jam-error")] == ["media-jam"]
    assert [c.code for c in reason_conditions("paused")] == ["queue-stopped"]
    assert [c.code for c in reason_conditions("FILM JAM; toner-low-report")] == [
        "media-jam",
        "toner-low",
    ]
    assert reason_conditions("lost track of /var/spool/kiosk/job-1") == []
    assert reason_conditions("") == []
