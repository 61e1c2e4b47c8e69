"""``kiosk prefetch`` then ``kiosk print`` with the real Orthanc stopped: the prefetched exam
prints (a structured report rendered by the kiosk, and the films), an exam that was not
prefetched gets one clear line, and the cache on disk says nothing readable about anyone."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pypdf import PdfReader

from tests.helpers.dicom_builders import image_series, make_encapsulated_pdf
from tests.helpers.orthanc_control import orthanc_stopped
from tests.helpers.sr_builders import ENHANCED_SR, make_sr
from tests.unit.fakes import report_pdf

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
TODAY = date.today().strftime("%Y%m%d")
FINDINGS = "肝脏形态大小正常，实质密度均匀，未见占位。"
NAME, PID = "Qian^Offline=钱^离线", "OFF0001"
ID_NUMBER = "11010519491231002X"  # GB 11643's worked example; held in OtherPatientIDs


def kiosk(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk_app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "KIOSK_CONFIG": ""},
        cwd=REPO,
    )


def write_config(tmp_path: Path, services_env: dict[str, str], *extra: str) -> Path:
    lines = [
        "[kiosk]",
        f'data_dir = "{tmp_path / "data"}"',
        'hospital_name = "示例人民医院"',
        "[cloud]",
        f'url = "{services_env["ORTHANC_DICOMWEB"]}"',
        f'username = "{services_env["ORTHANC_USER"]}"',
        f'password = "{services_env["ORTHANC_PASSWORD"]}"',
        "connect_timeout = 1.0",
        "read_timeout = 5.0",
        "retries = 1",
        "backoff = 0.05",
        "[printers.report]",
        'backend = "folder"',
        f'output_dir = "{tmp_path / "out-report"}"',
        "[printers.film]",
        'backend = "folder"',
        f'output_dir = "{tmp_path / "out-film"}"',
        "[film]",
        'size = "8INX10IN"',
        "dpi = 100",
        "[printing]",
        "job_timeout = 60",
        "poll_interval = 0.1",
        "[prefetch]",
        "window_days = 1",
        *extra,
    ]
    path = tmp_path / "kiosk.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def seeded(orthanc):  # type: ignore[no-untyped-def]
    """Today's CT with a final Enhanced SR (prefetched), and last year's CT with a PDF (not)."""
    ct = get_testdata_file("CT_small.dcm", download=False)
    studies = {}
    for acc, when in (("OFFACC1", TODAY), ("OFFACC2", "20250101")):
        uid = pydicom.uid.generate_uid()
        common = dict(patient_id=PID, patient_name=NAME, accession=acc, study_uid=uid)
        for ds in image_series(ct, n=3, **common):
            ds.StudyDate = when
            ds.OtherPatientIDs = ID_NUMBER
            orthanc.upload(ds)
        if acc == "OFFACC1":
            report = make_sr(
                **common,
                findings=FINDINGS,
                impression="肝脏CT平扫未见异常。",
                sop_class_uid=ENHANCED_SR,
                study_date=when,
            )
        else:
            report = make_encapsulated_pdf(report_pdf("OLDREPORT"), **common, study_date=when)
        report.OtherPatientIDs = ID_NUMBER
        orthanc.upload(report)
        studies[acc] = uid
    return studies


def test_prefetched_exam_prints_while_orthanc_is_stopped(  # type: ignore[no-untyped-def]
    seeded, services_env, tmp_path: Path
) -> None:
    config = write_config(tmp_path, services_env)
    run = kiosk("prefetch", "--config", str(config), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["studies_cached"] == 1

    with orthanc_stopped(services_env):
        run = kiosk("print", "OFFACC1", "--config", str(config), "--json")
        assert run.returncode == 0, run.stderr
        items = {i["kind"]: i for i in json.loads(run.stdout)["items"]}
        assert items["report"]["state"] == "delivered"
        assert items["film"]["state"] == "delivered" and items["film"]["sheets"] >= 1
        pdfs = sorted((tmp_path / "out-report").glob("*.pdf"))
        assert len(pdfs) == 1
        text = PdfReader(pdfs[0]).pages[0].extract_text().replace("\n", "").replace(" ", "")
        assert FINDINGS in text and "示例人民医院" in text and "钱离线" in text
        assert len(list((tmp_path / "out-film").glob("*.pdf"))) == 1

        # Not prefetched (last year's exam): one clear line, exit 5, no hang.
        run = kiosk("print", "OFFACC2", "--config", str(config), "--json", timeout=60)
        assert run.returncode == 5
        assert run.stderr.count("\n") == 1
        assert "offline cache" in run.stderr and "cloud.offline_not_cached" in run.stderr

    cache = tmp_path / "data" / "cache"
    raw = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    assert len(raw) > 100_000  # the images are in there...
    for needle in ("钱离线", "Qian", PID, "OFFACC1", "肝脏", "%PDF", "OLDREPORT"):
        for encoding in ("utf-8", "gb18030", "utf-16-le"):
            assert needle.encode(encoding) not in raw, needle  # ...but nothing readable
    key = tmp_path / "data" / "cache.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_a_patient_with_only_an_id_card_prints_what_was_prefetched_offline(  # type: ignore[no-untyped-def]
    seeded, services_env, tmp_path: Path
) -> None:
    config = write_config(tmp_path, services_env)
    run = kiosk("prefetch", "--config", str(config), "--json")
    assert run.returncode == 0, run.stderr
    with orthanc_stopped(services_env):
        run = kiosk("print", ID_NUMBER, "--config", str(config), "--json")
    assert run.returncode == 0, run.stderr
    items = {(i["study_uid"], i["kind"]): i for i in json.loads(run.stdout)["items"]}
    today, last_year = seeded["OFFACC1"], seeded["OFFACC2"]
    assert items[(today, "report")]["state"] == "delivered"
    assert items[(today, "film")]["state"] == "delivered"
    for kind in ("report", "film"):  # never prefetched: said so, not printed, nothing lost
        assert items[(last_year, kind)]["state"] == "skipped"
        assert "offline cache" in items[(last_year, kind)]["reason"]
    assert len(list((tmp_path / "out-report").glob("*.pdf"))) == 1
    cache = tmp_path / "data" / "cache"
    raw = b"".join(p.read_bytes() for p in cache.rglob("*") if p.is_file())
    assert ID_NUMBER.encode() not in raw and PID.encode() not in raw


def test_sr_report_prints_through_the_cloud(seeded, services_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, services_env, "[cache]", "enabled = false")
    run = kiosk("print", "OFFACC1", "--config", str(config), "--json")
    assert run.returncode == 0, run.stderr
    items = {i["kind"]: i for i in json.loads(run.stdout)["items"]}
    assert items["report"]["state"] == "delivered" and items["report"]["pages"] == 1
    pdf = next((tmp_path / "out-report").glob("*.pdf")).read_bytes()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "").replace(" ", "")
    assert FINDINGS in text
    assert not (tmp_path / "data" / "cache").exists()
