"""``kiosk print`` as a subprocess against real Orthanc (DICOMweb) and real cupsd.

What a user would notice: the report's words on the paper that came out of the report queue, the
composed sheet as the film printer's page, the ledger saying "delivered" only after CUPS said the
jobs completed, a second visit printing nothing, and one clear line when things go wrong.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from kiosk_app.services import film
from kiosk_app.settings import load
from tests.helpers.dicom_builders import image_series, make_encapsulated_pdf
from tests.helpers.silent import silent_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CJK_FONT = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
FINDINGS = "FINDINGS: lumbar vertebrae of normal height; no fracture."
FINDINGS_ZH = "腰椎椎体高度正常，未见骨折。"
FILM_DPI = 100
FILM_SIZE = "8INX10IN"


def kiosk(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 180,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "kiosk_app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=REPO,
    )


def report_pdf(chinese: str = FINDINGS_ZH) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont("Helvetica", 12)
    pdf.drawString(72, 760, "Demo People's Hospital - Radiology report")
    pdf.drawString(72, 730, FINDINGS)
    if CJK_FONT.exists():
        pdfmetrics.registerFont(TTFont("DroidFallback", str(CJK_FONT)))
        pdf.setFont("DroidFallback", 14)
        pdf.drawString(72, 700, chinese)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def write_config(
    tmp_path: Path,
    services_env: dict[str, str],
    film_lines: tuple[str, ...] = (),
    **cloud: object,
) -> Path:
    """A kiosk.toml for Orthanc and cupsd; ``film_lines`` are added to its [film] section."""
    url = cloud.pop("url", services_env["ORTHANC_DICOMWEB"])
    lines = [
        "[kiosk]",
        f'data_dir = "{tmp_path / "data"}"',
        "[cloud]",
        f'url = "{url}"',
        f'username = "{services_env["ORTHANC_USER"]}"',
        f'password = "{services_env["ORTHANC_PASSWORD"]}"',
        *(f"{k} = {v}" for k, v in cloud.items()),
        "[printers]",
        f'cups_server = "{services_env["CUPS_SERVER"]}"',
        "[printers.report]",
        f'queue = "{services_env["KIOSK_PDF_QUEUE"]}"',
        "[printers.film]",
        f'queue = "{services_env["KIOSK_FILM_QUEUE"]}"',
        "[film]",
        f'size = "{FILM_SIZE}"',
        f"dpi = {FILM_DPI}",
        *film_lines,
        "[printing]",
        "job_timeout = 120",
        "poll_interval = 0.2",
    ]
    path = tmp_path / "kiosk.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def database(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "data" / "kiosk.db")


@pytest.fixture
def seeded(orthanc, tmp_path: Path):  # type: ignore[no-untyped-def]
    """One patient's CT exam (4 slices) with a final report, in the real Orthanc."""
    study_uid = pydicom.uid.generate_uid()
    common = dict(
        patient_id="E2E0001", patient_name="Test^Kiosk", accession="E2EACC01", study_uid=study_uid
    )
    pdf = report_pdf()
    orthanc.upload(make_encapsulated_pdf(pdf, **common))
    images = image_series(get_testdata_file("CT_small.dcm", download=False), n=4, **common)
    for ds in images:
        orthanc.upload(ds)
    return {"study_uid": study_uid, "pdf": pdf, "images": images, **common}


def test_one_patient_end_to_end_through_orthanc_and_cups(  # type: ignore[no-untyped-def]
    seeded, cups_queues, services_env, tmp_path: Path
) -> None:
    config = write_config(tmp_path, services_env)
    run = kiosk("print", "E2EACC01", "--config", str(config), "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["code"] == "E2EACC01"
    items = {item["kind"]: item for item in summary["items"]}
    assert items["report"] == {
        "kind": "report",
        "study_uid": seeded["study_uid"],
        "state": "delivered",
        "reason": "",
        "pages": 1,
        "printer": services_env["KIOSK_PDF_QUEUE"],
    }
    assert items["film"]["state"] == "delivered" and items["film"]["sheets"] == 1
    assert items["film"]["printer"] == services_env["KIOSK_FILM_QUEUE"]

    db = database(tmp_path)
    jobs = dict(db.execute("SELECT kind, printer_job_id FROM print_jobs WHERE state='completed'"))
    assert set(jobs) == {"report", "film"}

    # The report queue's paper says what the report says.
    text = " ".join(
        PdfReader(cups_queues.report_output(jobs["report"])).pages[0].extract_text().split()
    )
    assert " ".join(FINDINGS.split()) in text

    # The film printer received the sheet the kiosk composed: its embedded image, exactly.
    film_pdf = PdfReader(cups_queues.film_output(jobs["film"]))
    assert len(film_pdf.pages) == 1
    printed = np.asarray(film_pdf.pages[0].images[0].image.convert("L"))
    # The sheet the kiosk should compose from these images with this configuration (plan,
    # layout and annotations included), made here independently of the kiosk's process.
    settings = load(config, env={})
    expected = film.compose_exam(
        seeded["images"],
        film.FilmConfig.from_settings(settings.film, settings.kiosk.hospital_name),
    )
    assert len(expected) == 1
    np.testing.assert_array_equal(printed, expected[0].pixels)
    assert printed.shape == (10 * FILM_DPI, 8 * FILM_DPI)
    width_pt = float(film_pdf.pages[0].mediabox.width)
    assert abs(width_pt - 8 * 72) < 1  # printed at the film's physical size

    # Delivered only after CUPS said "completed": every ledger row is newer than that moment.
    connection = cups_queues.connection()
    for kind, job_id in jobs.items():
        attrs = connection.getJobAttributes(int(job_id))
        assert attrs["job-state"] == 9  # completed
        completed = datetime.fromtimestamp(attrs["time-at-completed"], UTC).replace(tzinfo=None)
        (delivered_at,) = db.execute(
            "SELECT delivered_at FROM ledger WHERE kind=?", (kind,)
        ).fetchone()
        assert datetime.fromisoformat(delivered_at) >= completed.replace(microsecond=0)

    # A second visit prints nothing new and says why.
    again = kiosk("print", "E2EACC01", "--config", str(config), "--json")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert {i["state"] for i in second["items"]} == {"skipped"}
    assert all("Already printed" in i["reason"] for i in second["items"])
    assert db.execute("SELECT count(*) FROM ledger").fetchone() == (2,)
    assert db.execute("SELECT count(*) FROM print_jobs").fetchone() == (2,)


def _render_line(pdf: Path, top_pt: float, dpi: int = 60) -> np.ndarray:
    """The band of a page's first 5 inches holding the text line whose baseline is at
    ``top_pt`` points from the bottom of an A4 page, rendered to grey pixels by poppler."""
    out = pdf.with_suffix("")
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-gray",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(out),
        ],
        check=True,
    )
    page = np.asarray(Image.open(out.with_suffix(".png")).convert("L"), dtype=float)
    baseline = int((A4[1] - top_pt) * dpi / 72)
    return page[baseline - 14 : baseline + 4, 50 : 50 + 5 * dpi]


def test_chinese_report_text_prints_legibly(  # type: ignore[no-untyped-def]
    seeded, cups_queues, services_env, tmp_path: Path
) -> None:
    """cups-pdf re-renders jobs through Ghostscript, which keeps the glyphs but drops the
    text layer of CJK fonts; what the patient reads is the glyphs, so compare those."""
    if not CJK_FONT.exists():
        pytest.skip(f"{CJK_FONT} missing: scripts/setup.sh installs fonts-droid-fallback")
    config = write_config(tmp_path, services_env)
    run = kiosk("print", "E2EACC01", "--config", str(config), "--json")
    assert run.returncode == 0, run.stderr
    (job_id,) = (
        database(tmp_path)
        .execute("SELECT printer_job_id FROM print_jobs WHERE kind='report'")
        .fetchone()
    )
    printed = cups_queues.report_output(job_id)
    original = tmp_path / "original.pdf"
    original.write_bytes(seeded["pdf"])
    other = tmp_path / "other.pdf"
    other.write_bytes(report_pdf(chinese="肺纹理清晰，心影不大。"))
    line_printed = _render_line(printed, 700)
    line_original = _render_line(original, 700)
    line_other = _render_line(other, 700)
    assert (line_original < 128).sum() > 200  # the sentence is there to compare
    same = np.abs(line_printed - line_original).mean()
    different = np.abs(line_other - line_original).mean()
    assert same < different / 3, (same, different)


def test_unknown_code_exits_with_one_line(orthanc, services_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, services_env)
    for code, status, message in (
        ("NOSUCH01", 4, "No exams were found"),
        ("not a code!", 4, "not recognised"),
    ):
        run = kiosk("print", code, "--config", str(config), "--json")
        assert run.returncode == status
        assert run.stdout == ""
        assert len(run.stderr.strip().splitlines()) == 1
        assert message in run.stderr


def _no_ledger(tmp_path: Path) -> None:
    db = tmp_path / "data" / "kiosk.db"
    if db.exists():
        con = sqlite3.connect(db)
        assert con.execute("SELECT count(*) FROM ledger").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM print_jobs").fetchone() == (0,)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cloud_stopped_exits_non_zero_naming_the_cloud(  # type: ignore[no-untyped-def]
    cups_queues, services_env, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{_free_port()}/dicom-web"  # nothing listens there
    config = write_config(tmp_path, services_env, url=url)
    cups = cups_queues.connection()
    jobs_before = set(cups.getJobs(which_jobs="all", my_jobs=False))
    run = kiosk("print", "E2EACC01", "--config", str(config), "--json")
    assert run.returncode == 5
    assert len(run.stderr.strip().splitlines()) == 1
    assert url in run.stderr and "connection refused" in run.stderr
    _no_ledger(tmp_path)
    # nothing reached either printer
    assert set(cups.getJobs(which_jobs="all", my_jobs=False)) == jobs_before


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A cloud that accepts connections and never answers."""
    with silent_port() as port:
        yield f"http://127.0.0.1:{port}/dicom-web"


def test_a_silent_cloud_times_out_within_the_configured_time(  # type: ignore[no-untyped-def]
    silent_server: str, services_env, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path, services_env, url=silent_server, read_timeout=2.0, connect_timeout=1.0
    )
    started = time.monotonic()
    run = kiosk("print", "E2EACC01", "--config", str(config))
    elapsed = time.monotonic() - started
    assert run.returncode == 5
    assert silent_server in run.stderr and "no answer in time" in run.stderr
    # 2 s read timeout plus the interpreter's start-up; far from hanging.
    assert elapsed < 15
    _no_ledger(tmp_path)
