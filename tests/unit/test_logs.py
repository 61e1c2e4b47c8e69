from __future__ import annotations

import logging
from pathlib import Path

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
