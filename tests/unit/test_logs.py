from __future__ import annotations

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
