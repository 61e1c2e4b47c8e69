"""The radiologist's film through the real archive: ``kiosk print`` against Orthanc (DICOMweb)
and cupsd, for studies holding a Key Object Selection before and after the structured report.

What the patient would notice: the report's words on the paper (never a key object held as an
unsupported report), the key images on the film in the document's order (each slice carries a
bar at a column of its own, read back from the sheet the film printer received), and the same
for a study whose several report objects include a draft and an amendment.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pypdf import PdfReader

from kiosk_app.services import film
from tests.e2e.test_kiosk_print import FILM_DPI, FILM_SIZE, kiosk, write_config
from tests.helpers.dicom_builders import (
    REJECTED_FOR_QUALITY,
    image_series,
    make_encapsulated_pdf,
    make_key_objects,
)
from tests.helpers.sr_builders import make_sr
from tests.unit.fakes import report_pdf

pytestmark = pytest.mark.e2e

DPI, SIZE = FILM_DPI, FILM_SIZE  # the film write_config sets
SLICES = 10


def numbered_slices(common: dict[str, str]) -> list[pydicom.Dataset]:
    """A CT series whose slice ``k`` shows a bright bar at columns 4+6k..8+6k on grey."""
    images = image_series(get_testdata_file("CT_small.dcm", download=False), n=SLICES, **common)
    for index, ds in enumerate(images):
        pixels = np.full((ds.Rows, ds.Columns), -500, dtype=np.int16)
        pixels[:, 4 + 6 * index : 8 + 6 * index] = 1000
        ds.PixelData = (pixels - int(ds.RescaleIntercept)).astype(np.int16).tobytes()
        ds.WindowCenter, ds.WindowWidth = 0, 2000
    return images


def bars(sheet: np.ndarray, layout: film.DisplayFormat, count: int) -> list[int]:
    """The slice (from its bar's column) in each of the first ``count`` cells of ``sheet``."""
    found = []
    for top, left, bottom, right in film.cell_boxes(SIZE, DPI, layout, 5.0, 2.0, False)[:count]:
        columns = sheet[top:bottom, left:right].max(axis=0)
        image = np.flatnonzero(columns > 30)
        bar = np.flatnonzero(columns > 200)
        assert image.size and bar.size, "a cell without an image and its bar"
        relative = (bar.mean() - image.min() + 0.5) / (image.max() - image.min() + 1)
        found.append(round((relative * 128 - 6) / 6))
    return found


def printed(tmp_path: Path, services_env, cups_queues, accession: str):  # type: ignore[no-untyped-def]
    """``kiosk print`` of one accession: its JSON summary, the report's text, the film sheets."""
    config = write_config(tmp_path, services_env, ("annotations = false",))
    run = kiosk("print", accession, "--config", str(config), "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    db = sqlite3.connect(tmp_path / "data" / "kiosk.db")
    jobs = dict(db.execute("SELECT kind, printer_job_id FROM print_jobs WHERE state='completed'"))
    text = ""
    if "report" in jobs:
        pages = PdfReader(cups_queues.report_output(jobs["report"])).pages
        text = " ".join(" ".join(page.extract_text() for page in pages).split())
    sheets = []
    if "film" in jobs:
        for page in PdfReader(cups_queues.film_output(jobs["film"])).pages:
            sheets.append(np.asarray(page.images[0].image.convert("L")))
    return {item["kind"]: item for item in summary["items"]}, text, sheets


@pytest.mark.parametrize("kos_first", [True, False], ids=["kos-before-sr", "kos-after-sr"])
def test_key_images_and_the_structured_report_print_from_orthanc(  # type: ignore[no-untyped-def]
    kos_first, orthanc, cups_queues, services_env, tmp_path: Path
) -> None:
    accession = f"KOS{int(kos_first)}{pydicom.uid.generate_uid()[-8:]}"
    common = dict(
        patient_id=f"KOSP{int(kos_first)}",
        patient_name="Key^Images",
        accession=accession,
        study_uid=pydicom.uid.generate_uid(),
    )
    images = numbered_slices(common)
    kos = make_key_objects([images[7], images[2], images[5]])
    report = make_sr(
        **common, findings="Nodule in the right upper lobe, 6 mm.", impression="Follow up."
    )
    for ds in [kos, report] if kos_first else [report, kos]:
        orthanc.upload(ds)
    for ds in images:
        orthanc.upload(ds)
    # The archive lists them in the order this case is about.
    listing = orthanc.get(f"/dicom-web/studies/{common['study_uid']}/instances").json()
    classes = [obj["00080016"]["Value"][0] for obj in listing]
    kos_at, sr_at = classes.index(kos.SOPClassUID), classes.index(report.SOPClassUID)
    assert (kos_at < sr_at) is kos_first

    items, text, sheets = printed(tmp_path, services_env, cups_queues, accession)
    assert items["report"]["state"] == "delivered", items["report"]
    assert "Nodule in the right upper lobe, 6 mm." in text
    assert items["film"]["state"] == "delivered" and items["film"]["sheets"] == 1
    assert len(sheets) == 1 and sheets[0].shape == (10 * DPI, 8 * DPI)
    assert bars(sheets[0], film.DisplayFormat.standard(2, 2), 3) == [7, 2, 5]


def test_the_final_report_of_several_and_a_rejection_note(  # type: ignore[no-untyped-def]
    orthanc, cups_queues, services_env, tmp_path: Path
) -> None:
    accession = f"AMD{pydicom.uid.generate_uid()[-8:]}"
    common = dict(
        patient_id="AMENDP1",
        patient_name="Amended^Report",
        accession=accession,
        study_uid=pydicom.uid.generate_uid(),
    )
    draft = make_encapsulated_pdf(report_pdf("DRAFT: not for the patient"), final=False, **common)
    final = make_sr(**common, findings="Final wording of the report.", impression="Normal.")
    final.ContentTime = "110000"
    amended = make_sr(**common, findings="Amended: no nodule after review.", impression="Normal.")
    amended.ContentTime = "153000"
    images = numbered_slices(common)[:4]
    rejected = make_key_objects([images[1]], title=REJECTED_FOR_QUALITY)
    for ds in [draft, amended, final, rejected, *images]:
        orthanc.upload(ds)

    items, text, sheets = printed(tmp_path, services_env, cups_queues, accession)
    assert items["report"]["state"] == "delivered"
    assert "Amended: no nodule after review." in text
    assert "DRAFT" not in text and "Final wording" not in text
    assert items["film"]["state"] == "delivered"
    # the rejected slice is on no film: three slices on a 2x2 sheet
    assert bars(sheets[0], film.DisplayFormat.standard(2, 2), 3) == [0, 2, 3]
