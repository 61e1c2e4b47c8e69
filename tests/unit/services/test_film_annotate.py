"""What is printed with each image: the words, the masking, the marks, and where they go."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from pydicom.dataset import Dataset
from pydicom.uid import CTImageStorage

from kiosk_app.services.film import AnnotationOptions, compose_sheets, render_frame
from kiosk_app.services.film.annotate import (
    _text,
    corner_lines,
    display_name,
    orientation_labels,
)
from kiosk_app.services.film.pipeline import frame_view

DPI = 150


def ct(**attrs: object) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.set_pixel_data(np.full((100, 100), 1000, dtype=np.int16), "MONOCHROME2", 16)
    base = {
        "PatientName": "张^小三", "PatientID": "DP0001", "PatientSex": "M",
        "PatientBirthDate": "19680315", "StudyDate": "20240520", "StudyTime": "091200",
        "Modality": "CT", "SeriesNumber": 2, "InstanceNumber": 15,
        "RescaleSlope": 1, "RescaleIntercept": -1024, "WindowCenter": 40, "WindowWidth": 400,
        "PixelSpacing": [0.5, 0.5], "ImageOrientationPatient": [1, 0, 0, 0, 1, 0],
        "InstitutionName": "Example General",
    }  # fmt: skip
    for keyword, value in {**base, **attrs}.items():
        setattr(ds, keyword, value)
    return ds


def lines(ds: Dataset, **options: object) -> tuple[list[str], list[str], list[str]]:
    return corner_lines(ds, 0, render_frame(ds), AnnotationOptions(**options))  # type: ignore[arg-type]


def test_dicom_person_names_print_in_their_ideographic_form() -> None:
    assert display_name("ZHANG^XIAOSAN=张^小三") == "张小三"
    assert display_name("DOE^JOHN") == "DOE JOHN"
    assert display_name(None) == ""


def test_corner_text_of_a_ct_slice() -> None:
    top_left, top_right, bottom_left = lines(ct(), hospital_name="示例人民医院")
    assert top_left == ["张*三", "ID DP0001", "M 56Y"]
    assert top_right == ["示例人民医院", "2024-05-20 09:12", "CT"]
    assert bottom_left == ["Se 2  Im 15", "W 400  L 40"]


def test_full_name_and_file_institution_when_asked() -> None:
    top_left, top_right, _ = lines(ct(PatientAge="056Y"), mask_name=False)
    assert top_left[0] == "张小三" and top_left[2] == "M 56Y"
    assert top_right[0] == "Example General"


def test_each_annotation_can_be_switched_off() -> None:
    off = {
        "patient_name": False, "patient_id": False, "sex_age": False, "study_datetime": False,
        "modality": False, "series_instance": False, "window": False, "hospital": False,
    }  # fmt: skip
    assert lines(ct(), **off) == ([], [], [])
    top_left, _, _ = lines(ct(), patient_name=False)
    assert top_left == ["ID DP0001", "M 56Y"]


@pytest.mark.parametrize(
    ("iop", "expected"),
    [
        ([1, 0, 0, 0, 1, 0], ("R", "L", "A", "P")),  # axial
        ([1, 0, 0, 0, 0, -1], ("R", "L", "H", "F")),  # coronal
        ([0, 1, 0, 0, 0, -1], ("A", "P", "H", "F")),  # sagittal
        ([0.866, 0.5, 0, 0, 0, -1], ("RA", "LP", "H", "F")),  # oblique
    ],
)
def test_orientation_labels_come_from_image_orientation(
    iop: list[float], expected: tuple[str, str, str, str]
) -> None:
    ds = ct(ImageOrientationPatient=iop)
    assert orientation_labels(ds, frame_view(ds, 0)) == expected


def test_orientation_of_a_radiograph_comes_from_patient_orientation() -> None:
    ds = ct()
    del ds.ImageOrientationPatient
    ds.PatientOrientation = ["L", "F"]
    assert orientation_labels(ds, frame_view(ds, 0)) == ("R", "L", "H", "F")
    ds.PatientOrientation = ""
    assert orientation_labels(ds, frame_view(ds, 0)) is None


def sheet_of(ds: Dataset, options: AnnotationOptions | None) -> NDArray[np.uint8]:
    (sheet,) = compose_sheets([ds], "8INX10IN", DPI, (1, 1), annotations=options)
    return sheet.pixels


def test_annotations_appear_in_the_corners_and_leave_the_middle_alone() -> None:
    ds = ct()
    plain = sheet_of(ds, None)
    marked = sheet_of(ds, AnnotationOptions())
    changed = plain != marked
    rows, columns = plain.shape
    assert changed[: rows // 6, : columns // 3].any(), "patient block, top left"
    assert changed[: rows // 6, -columns // 3 :].any(), "study block, top right"
    assert changed[-rows // 6 :, : columns // 3].any(), "series and window, bottom left"
    assert changed[-rows // 6 :, -columns // 3 :].any(), "scale bar, bottom right"
    middle = (slice(rows // 3, 2 * rows // 3), slice(columns // 3, 2 * columns // 3))
    assert not changed[middle].any()


def test_scale_bar_is_as_long_as_it_says() -> None:
    ds = ct()  # 100 px at 0.5 mm: 50 mm wide, printed across ~1140 px at 150 dpi
    options = AnnotationOptions(patient_name=False, patient_id=False, sex_age=False,
                                study_datetime=False, modality=False, series_instance=False,
                                window=False, hospital=False, orientation=False)  # fmt: skip
    marked = sheet_of(ds, options)
    plain = sheet_of(ds, None)
    rows, columns = marked.shape
    region = (marked != plain)[rows // 2 :, columns // 2 :]
    # The bar is the longest horizontal run of white ink.
    ink = (marked[rows // 2 :, columns // 2 :] == 255) & region
    longest = max(_longest_run(row) for row in ink)
    image_width = np.count_nonzero(plain[rows // 2] > 0)
    px_per_mm = image_width / 50.0
    assert abs(longest - 10 * px_per_mm) <= 2, "a 1 cm bar (the largest step under a quarter)"


def _longest_run(row: NDArray[np.bool_]) -> int:
    best = run = 0
    for value in row:
        run = run + 1 if value else 0
        best = max(best, run)
    return best


def test_chinese_is_drawn_with_real_glyphs() -> None:
    # Without a CJK font every ideograph would be the same "missing glyph" box.
    zhang, li = _text("张", 40)[0], _text("李", 40)[0]
    assert zhang.any() and li.any()
    assert zhang.shape == li.shape and not np.array_equal(zhang, li)
    assert _text("张", 40)[0].shape[1] > _text("1", 40)[0].shape[1], "ideographs are full width"


def test_text_is_left_off_where_it_would_be_unreadable() -> None:
    ds = ct()
    (sheet,) = compose_sheets([ds], "8INX10IN", 20, (1, 1), annotations=AnnotationOptions())
    (bare,) = compose_sheets([ds], "8INX10IN", 20, (1, 1))
    assert np.array_equal(sheet.pixels, bare.pixels)


@pytest.mark.parametrize(
    ("name", "printed"),
    [("ZHANG^XIAOSAN=张^小三", "张*三"), ("GARCÍA^José", "G***** J***"), ("张", "张*")],
)
def test_film_masks_names_as_the_screen_does(name: str, printed: str) -> None:
    top_left, _, _ = lines(ct(PatientName=name))
    assert top_left[0] == printed
