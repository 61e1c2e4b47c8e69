"""A presentation state through the real archive: ``kiosk print`` against Orthanc and cupsd, for
a study whose key images include one a Grayscale Softcopy Presentation State turns.

What the patient would notice: the key images in the document's order, the turned one printed
turned (its bar, vertical in the slice, runs across the cell), a state for an image that is not
on the film changing nothing. Read back from the sheet the film printer received.

Needs the catalogue handing key object selections and presentation states to the film plan
(tests/e2e/test_key_images_orthanc.py has the study builder and the reading of the sheets).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from kiosk_app.services import film
from tests.e2e import test_key_images_orthanc as archive
from tests.helpers.presentation_builders import make_presentation_state

pytestmark = pytest.mark.e2e


def test_a_key_image_prints_as_its_presentation_state_turns_it(  # type: ignore[no-untyped-def]
    orthanc, cups_queues, services_env, tmp_path: Path
) -> None:
    from tests.helpers.dicom_builders import make_key_objects

    accession = f"PR{pydicom.uid.generate_uid()[-8:]}"
    common = dict(
        patient_id="GSPSP1",
        patient_name="Presentation^State",
        accession=accession,
        study_uid=pydicom.uid.generate_uid(),
    )
    images = archive.numbered_slices(common)
    kos = make_key_objects([images[7], images[2], images[5]])
    turned = make_presentation_state(images[2], ImageRotation=90)
    elsewhere = make_presentation_state(images[0], ImageRotation=180, created="170000")
    for ds in [kos, turned, elsewhere, *images]:
        orthanc.upload(ds)

    items, _, sheets = archive.printed(tmp_path, services_env, cups_queues, accession)
    assert items["film"]["state"] == "delivered" and items["film"]["sheets"] == 1
    layout = film.DisplayFormat.standard(2, 2)
    boxes = film.cell_boxes(archive.SIZE, archive.DPI, layout, 5.0, 2.0, False)
    sheet = sheets[0]
    # The first and third key images as they are: their bars where slices 7 and 5 have them.
    first, _, third = (sheet[top:bottom, left:right] for top, left, bottom, right in boxes[:3])
    for cell, slice_number in ((first, 7), (third, 5)):
        assert _bar_columns(cell) == pytest.approx(4 + 6 * slice_number + 2, abs=2)
    # The second (slice 2) turned a quarter clockwise: its bar at columns 16..20 now lies
    # across the cell at rows 16..20 of 128.
    top, left, bottom, right = boxes[1]
    cell = sheet[top:bottom, left:right]
    assert _bar_columns(cell.T) == pytest.approx(18, abs=2)
    bright = np.flatnonzero(cell.max(axis=0) > 200)
    image = np.flatnonzero(cell.max(axis=0) > 30)
    assert bright.size > 0.9 * image.size  # the bar spans the image's whole width


def _bar_columns(cell: np.ndarray) -> float:
    """Where the bright bar of a cell's image is, in the image's 128 columns."""
    columns = cell.max(axis=0)
    image = np.flatnonzero(columns > 30)
    bar = np.flatnonzero(columns > 200)
    assert image.size and bar.size, "a cell without an image and its bar"
    return float((bar.mean() - image.min() + 0.5) / (image.max() - image.min() + 1) * 128)
