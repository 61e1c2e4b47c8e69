from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import pytest

from kiosk_app import logs


def test_patient_ref_is_short_stable_and_not_the_value() -> None:
    ref = logs.patient_ref("11010519491231002X")
    assert ref == logs.patient_ref(" 11010519491231002X ")
    assert ref.startswith("pt-") and len(ref) == 11
    assert "1101051949" not in ref
    assert ref != logs.patient_ref("DP0002")


def test_id_numbers_are_masked_above_debug_in_the_log_file(tmp_path: Path) -> None:
    logs.configure("DEBUG", tmp_path)
    try:
        log = logging.getLogger("kiosk_app.test")
        log.info("looked up %s", "11010519491231002X")
        log.debug("debug may hold it: %s", "11010519491231002X")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    finally:
        logs.configure("INFO", None)
    info_line = next(line for line in text.splitlines() if "looked up" in line)
    assert "11010519491231002X" not in info_line
    assert logs.patient_ref("11010519491231002X") in info_line
    assert "debug may hold it: 11010519491231002X" in text


@pytest.mark.allow_error_logs
def test_json_lines_carry_the_exception_masked_like_the_message(tmp_path: Path) -> None:
    import json

    logs.configure("INFO", tmp_path, fmt="json", kiosk_id="kiosk-07")
    try:
        log = logging.getLogger("kiosk_app.test")
        try:
            raise LookupError("no exam for 11010519491231002X")
        except LookupError:
            log.exception("lookup of %s failed", "11010519491231002X")
        log.warning("paper low", extra={logs.EVENT_ACTION: "supply.low"})
        for handler in logging.getLogger().handlers:
            handler.flush()
        lines = (tmp_path / "kiosk.log").read_text(encoding="utf-8").splitlines()
    finally:
        logs.configure("INFO", None)
    failed, low = (json.loads(line) for line in lines)
    ref = logs.patient_ref("11010519491231002X")
    assert failed["log.level"] == "ERROR" and failed["kiosk.id"] == "kiosk-07"
    assert failed["message"] == f"lookup of {ref} failed"
    assert failed["error.type"] == "LookupError"
    assert failed["error.message"] == f"no exam for {ref}"
    assert "Traceback" in failed["error.stack_trace"] and ref in failed["error.stack_trace"]
    assert "11010519491231002X" not in "".join(lines)
    assert "event.action" not in failed and low["event.action"] == "supply.low"


@pytest.mark.allow_error_logs
def test_text_tracebacks_are_masked_too(tmp_path: Path) -> None:
    logs.configure("INFO", tmp_path)
    try:
        try:
            raise LookupError("no exam for 11010519491231002X")
        except LookupError:
            logging.getLogger("kiosk_app.test").exception("lookup failed")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    finally:
        logs.configure("INFO", None)
    assert "LookupError: no exam for " + logs.patient_ref("11010519491231002X") in text
    assert "11010519491231002X" not in text


def test_a_full_disk_loses_log_records_in_one_stderr_line_and_says_so_when_it_writes_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by the soak (a data disk that fills up): every record the file could not take
    printed logging's "--- Logging error ---" and a traceback on stderr."""
    logs.configure("INFO", tmp_path)
    try:
        (handler,) = [
            h for h in logging.getLogger().handlers if isinstance(h, logs.KioskFileHandler)
        ]
        log = logging.getLogger("kiosk_app.test")
        log.info("written before")
        handler.flush()
        full = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115 - ENOSPC on every write
        handler.stream = full
        for n in range(3):
            log.info("record %d while full", n)
        err = capsys.readouterr().err
        handler.stream = open(tmp_path / "kiosk.log", "a", encoding="utf-8")  # noqa: SIM115
        with contextlib.suppress(OSError):  # what it still holds cannot be written either
            full.close()
        log.info("written after")  # room again
        handler.flush()
        text = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    finally:
        logs.configure("INFO", None)
    assert "Traceback" not in err and "Logging error" not in err
    assert err.count("\n") == 1 and "cannot write the log file" in err
    assert "No space left on device" in err
    lines = text.splitlines()
    assert "written before" in lines[0]
    assert "3 log record(s) were lost" in lines[1] and "written after" in lines[2]
    assert "while full" not in text
    assert capsys.readouterr().err == ""
