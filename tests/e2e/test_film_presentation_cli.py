"""Presentation states through ``kiosk render --pstate`` and ``kiosk film``, on public images.

``kiosk render --pstate`` is compared with dcmtk's ``dcmp2pgm -p`` (which renders an image as
a presentation state says) within one grey level, for the VOI, presentation LUT shape,
rotation and flip. Not compared, because dcmp2pgm 3.6.7 does not show them in its bitmap or
does them otherwise: shutters (read, not burnt in), the displayed area (not cropped), SIGMOID
in a presentation state, and a state without a VOI (dcmtk then shows the full range; the
kiosk keeps the image's own window, which a film needs). Unit tests check those by pixels
(tests/unit/services/test_film_presentation.py).

``kiosk film`` with a Key Object Selection and a GSPS among its files prints the key images
in the document's order, the referenced one exactly as ``kiosk render --pstate`` shows it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from kiosk_app.services.film import cell_boxes, pixel_aspect
from kiosk_app.services.film.layout import fit, resample
from kiosk_app.services.film.plan import KEY_OBJECT_SELECTION
from tests.helpers.film_compare import corpus, kiosk, read
from tests.helpers.presentation_builders import make_presentation_state, reference, window

pytestmark = pytest.mark.e2e

DCMP2PGM = "/usr/bin/dcmp2pgm"


def grey(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path)).astype(np.int64)


def part10(ds: Dataset, sop_class: str, path: Path) -> Path:
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, generate_uid()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    return path


def presentation_state(image: Dataset, path: Path, **attrs: object) -> Path:
    """A GSPS for ``image`` (window 40/400 and its whole area unless given), saved."""
    area = Dataset()
    area.DisplayedAreaTopLeftHandCorner = [1, 1]
    area.DisplayedAreaBottomRightHandCorner = [image.Columns, image.Rows]
    area.PresentationSizeMode, area.PresentationPixelAspectRatio = "SCALE TO FIT", [1, 1]
    defaults: dict[str, object] = {
        "SoftcopyVOILUTSequence": window(40, 400), "ImageRotation": 0,
        "ImageHorizontalFlip": "N", "DisplayedAreaSelectionSequence": [area],
    }  # fmt: skip
    ps = make_presentation_state(image, label="KEY", **{**defaults, **attrs})
    ps.save_as(path, enforce_file_format=True)
    return path


@pytest.mark.parametrize(
    ("name", "attrs"),
    [
        ("CT_small.dcm", {}),
        ("CT_small.dcm", {"SoftcopyVOILUTSequence": window(-600, 1500, "LINEAR_EXACT")}),
        ("CT_small.dcm", {"PresentationLUTShape": "INVERSE"}),
        ("CT_small.dcm", {"ImageRotation": 90}),
        ("CT_small.dcm", {"ImageRotation": 270, "ImageHorizontalFlip": "Y"}),
        ("MR_small.dcm", {"SoftcopyVOILUTSequence": window(600, 1200), "ImageRotation": 180}),
        ("MR_small.dcm", {"SoftcopyVOILUTSequence": window(600, 1200), "ImageHorizontalFlip": "Y"}),
    ],
)
def test_render_with_a_presentation_state_matches_dcmtk(
    name: str, attrs: dict[str, object], tmp_path: Path
) -> None:
    if not os.access(DCMP2PGM, os.X_OK):
        pytest.skip(f"{DCMP2PGM} not installed (Debian package dcmtk, scripts/setup.sh)")
    path = corpus(name)
    ps = presentation_state(read(path), tmp_path / "ps.dcm", **attrs)
    theirs, mine = tmp_path / "dcmtk.pgm", tmp_path / "kiosk.png"
    run = subprocess.run([DCMP2PGM, "-p", str(ps), str(path), str(theirs)],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    run = kiosk("render", str(path), "--pstate", str(ps), "-o", str(mine))
    assert run.returncode == 0, run.stderr
    expected, got = grey(theirs), grey(mine)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 1


def test_render_refuses_a_presentation_state_for_another_image(tmp_path: Path) -> None:
    ps = presentation_state(read(corpus("MR_small.dcm")), tmp_path / "ps.dcm")
    run = kiosk("render", str(corpus("CT_small.dcm")), "--pstate", str(ps), "-o",
                str(tmp_path / "out.png"))  # fmt: skip
    assert run.returncode != 0 and "presentation state" in run.stderr
    assert not (tmp_path / "out.png").exists()


def test_film_prints_the_key_images_in_order_with_their_presentation_state(
    tmp_path: Path,
) -> None:
    ct_path, mr_path = corpus("CT_small.dcm"), corpus("MR_small.dcm")
    ct, mr = read(ct_path), read(mr_path)
    marks = Dataset()
    marks.GraphicLayer = "KEY"
    arrow = Dataset()
    arrow.GraphicAnnotationUnits, arrow.GraphicDimensions, arrow.NumberOfGraphicPoints = (
        "PIXEL", 2, 2,
    )  # fmt: skip
    arrow.GraphicData, arrow.GraphicType, arrow.GraphicFilled = [10, 10, 60, 10], "POLYLINE", "N"
    marks.GraphicObjectSequence = [arrow]
    plain_ps = presentation_state(ct, tmp_path / "plain.dcm", ImageRotation=90)
    ps = presentation_state(ct, tmp_path / "ps.dcm", ImageRotation=90,
                            GraphicAnnotationSequence=[marks])  # fmt: skip
    kos = Dataset()
    kos.PatientName, kos.PatientID, kos.Modality = ct.PatientName, ct.PatientID, "KO"
    kos.StudyInstanceUID, kos.SeriesInstanceUID = ct.StudyInstanceUID, generate_uid()
    items = []
    for image in (mr, ct):  # the MR first: the files come in the other order
        item = Dataset()
        item.RelationshipType, item.ValueType = "CONTAINS", "IMAGE"
        item.ReferencedSOPSequence = [reference(image)]
        items.append(item)
    state = Dataset()
    state.RelationshipType, state.ValueType = "CONTAINS", "COMPOSITE"
    state.ReferencedSOPSequence = [reference(read(ps))]
    kos.ContentSequence = [*items, state]
    kos_path = part10(kos, KEY_OBJECT_SELECTION, tmp_path / "kos.dcm")

    out = tmp_path / "film.png"
    common = ["--layout", "2x1", "--film-size", "8INX10IN", "--dpi", "50", "--no-annotations"]
    run = kiosk("film", str(ct_path), str(kos_path), str(mr_path), str(ps), *common, "-o", str(out))
    assert run.returncode == 0, run.stderr
    film = grey(out)

    for image_path, state_path, cell in ((mr_path, None, 0), (ct_path, plain_ps, 1)):
        native = tmp_path / f"native-{cell}.png"
        extra = ["--pstate", str(state_path)] if state_path else []
        assert kiosk("render", str(image_path), *extra, "-o", str(native)).returncode == 0
        pixels = grey(native).astype(np.uint8)
        box = cell_boxes("8INX10IN", 50, (2, 1))[cell]
        top, left, bottom, right = fit(pixels.shape, pixel_aspect(read(image_path)), box)
        expected = resample(pixels, bottom - top, right - left).astype(np.int64)
        got = film[top:bottom, left:right]
        if state_path is None:
            assert np.array_equal(got, expected)  # the MR as it is, in the first cell
        else:
            # The turned CT; the line from (10, 10) to (60, 10) turned: down the right side.
            differs = got != expected
            rows, columns = np.nonzero(differs)
            scale = (right - left) / 128
            assert differs.mean() < 0.1
            assert columns.min() / scale == pytest.approx(118, abs=3)
            assert (rows.min() / scale, rows.max() / scale) == pytest.approx((10, 60), abs=3)
            assert np.array_equal(got[~differs], expected[~differs])
