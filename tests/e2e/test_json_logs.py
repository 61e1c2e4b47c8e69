"""`[logs] format = "json"`: every line a visit writes is one ECS-style JSON object, and no
patient identifier or name is in any of them above DEBUG, the same as in the text format."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pydicom
import pytest

from kiosk_app.logs import patient_ref

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ARCHIVE = REPO / "assets" / "demo" / "archive"
KIOSK_ID = "kiosk-radiology-3f"
FIELDS = {"@timestamp", "log.level", "log.logger", "message", "kiosk.id", "process.pid",
          "ecs.version"}  # fmt: skip


def visit(data_dir: Path, fmt: str) -> list[str]:
    """`kiosk print DEMO0001 --demo` at DEBUG in ``fmt``; the lines of its log file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(
        KIOSK_KIOSK__DATA_DIR=str(data_dir),
        KIOSK_KIOSK__ID=KIOSK_ID,
        KIOSK_KIOSK__LOG_LEVEL="DEBUG",
        KIOSK_LOGS__FORMAT=fmt,
    )
    run = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "print", "DEMO0001", "--demo", "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    states = {(i["kind"], i["state"]) for i in json.loads(run.stdout)["items"]}
    assert states == {("report", "delivered"), ("film", "delivered")}
    return (data_dir / "log" / "kiosk.log").read_text(encoding="utf-8").splitlines()


def patient() -> tuple[str, ...]:
    ds = pydicom.dcmread(sorted(ARCHIVE.glob("DEMO0001_*.dcm"))[0])
    name = str(ds.PatientName)
    values = {ds.PatientID, name, *name.split("^"), str(ds.get("OtherPatientIDs", ""))}
    return tuple(v for v in values if v)


def test_every_line_of_a_visit_is_ecs_json_without_patient_data(tmp_path: Path) -> None:
    started = time.time()
    lines = visit(tmp_path / "json", "json")
    records = [json.loads(line) for line in lines]  # every line is one object
    assert len(records) > 10
    pids = set()
    for record in records:
        assert set(record) >= FIELDS, record
        assert set(record) - FIELDS <= {"event.action", "error.type", "error.message",
                                        "error.stack_trace"}, record  # fmt: skip
        stamp = record["@timestamp"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), stamp
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert when.tzinfo == UTC and started - 1 <= when.timestamp() <= time.time() + 1
        assert record["log.level"] in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        assert record["kiosk.id"] == KIOSK_ID
        pids.add(record["process.pid"])
    assert len(pids) == 1 and isinstance(pids.pop(), int)
    actions = [r["event.action"] for r in records if "event.action" in r]
    assert actions.count("job.created") == 2 and actions.count("job.completed") == 2
    assert "DEBUG" in {r["log.level"] for r in records}
    identifiers = patient()
    above_debug = [(line, r) for line, r in zip(lines, records, strict=True)
                   if r["log.level"] != "DEBUG"]  # fmt: skip
    for line, record in above_debug:
        for value in identifiers:
            assert value not in line and value not in json.dumps(record, ensure_ascii=False)
    # The visit's patient is followed by the hash alone.
    ref = patient_ref(pydicom.dcmread(sorted(ARCHIVE.glob("DEMO0001_*.dcm"))[0]).PatientID)
    assert any(ref in r["message"] for _, r in above_debug)

    # The text format logs the same messages about the patient, masked the same.
    text = [line for line in visit(tmp_path / "text", "text") if " DEBUG " not in line]
    about_patient = {r["message"] for _, r in above_debug if "pt-" in r["message"]}
    assert about_patient
    for message in about_patient:
        assert any(line.endswith(": " + message) for line in text), message
