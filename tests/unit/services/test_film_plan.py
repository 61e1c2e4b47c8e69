"""Film plans: pre-composed films 1:1, else key images, else the modality's default plan."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import (
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    SecondaryCaptureImageStorage,
    UltrasoundMultiFrameImageStorage,
    generate_uid,
)

from kiosk_app.services.film import (
    DisplayFormat,
    FilmConfig,
    FilmError,
    PlanRules,
    PlanSource,
    compose_exam,
    plan_exam,
)
from kiosk_app.services.film.plan import KEY_OBJECT_SELECTION, parse_plans
from kiosk_app.settings import SettingsError, load


def instance(
    modality: str,
    number: int,
    series: str = "1",
    value: int = 100,
    frames: int = 1,
    **attrs: object,
) -> Dataset:
    ds = Dataset()
    classes = {
        "CT": CTImageStorage,
        "DX": DigitalXRayImageStorageForPresentation,
        "US": UltrasoundMultiFrameImageStorage,
    }
    ds.SOPClassUID = classes.get(modality, SecondaryCaptureImageStorage)
    shape = (frames, 8, 8) if frames > 1 else (8, 8)
    ds.set_pixel_data(np.full(shape, value, dtype=np.uint8), "MONOCHROME2", 8)
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.Modality, ds.InstanceNumber, ds.SeriesInstanceUID = modality, number, series
    ds.SeriesNumber = int(series) if series.isdigit() else 9
    ds.SOPInstanceUID = generate_uid()
    ds.WindowCenter, ds.WindowWidth = 128, 256
    for keyword, v in attrs.items():
        setattr(ds, keyword, v)
    return ds


def test_ct_prints_evenly_spaced_slices_of_the_main_series() -> None:
    main = [instance("CT", n, "2") for n in range(100, 0, -1)]  # arrives in reverse
    scout = instance("CT", 1, "1", ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER"])
    other = [instance("CT", n, "3") for n in range(1, 4)]
    plan = plan_exam([scout, *main, *other])
    assert plan.source is PlanSource.DEFAULT and plan.layout == DisplayFormat.standard(4, 5)
    numbers = [int(ds.InstanceNumber) for ds, _ in plan.frames]
    assert len(numbers) == 20 and numbers[0] == 1 and numbers[-1] == 100
    assert numbers == sorted(numbers)
    assert {ds.SeriesInstanceUID for ds, _ in plan.frames} == {"2"}
    assert max(np.diff(numbers)) - min(np.diff(numbers)) <= 1, "evenly spaced"
    assert plan.left_off == 80 and plan.annotate


def test_a_short_series_gets_the_smallest_grid_that_holds_it() -> None:
    plan = plan_exam([instance("CT", n) for n in range(1, 4)])
    assert plan.layout == DisplayFormat.standard(2, 2) and len(plan.frames) == 3


def test_radiographs_one_per_sheet_and_capped() -> None:
    images = [instance("DX", n) for n in range(1, 7)]
    plan = plan_exam(images, PlanRules(max_sheets=4))
    assert plan.layout == DisplayFormat.standard(1, 1)
    assert plan.sheets == 4 and plan.left_off == 2


def test_ultrasound_frames_six_to_a_sheet() -> None:
    plan = plan_exam([instance("US", 1, frames=10)])
    assert plan.layout == DisplayFormat.standard(2, 3)
    assert [frame for _, frame in plan.frames] == list(range(10)) and plan.sheets == 2


def test_precomposed_films_print_one_to_one_without_more_text() -> None:
    film = instance("OT", 1, "90", ImageType=["DERIVED", "SECONDARY", "FILM"])
    marked = instance("OT", 2, "90", SeriesDescription="胶片")
    plan = plan_exam([*[instance("CT", n) for n in range(1, 30)], marked, film])
    assert plan.source is PlanSource.FILMS
    assert [ds.InstanceNumber for ds, _ in plan.frames] == [1, 2]
    assert plan.layout == DisplayFormat.standard(1, 1) and not plan.annotate


def test_key_images_in_the_order_the_document_gives() -> None:
    images = [instance("CT", n) for n in range(1, 11)]
    kos = Dataset()
    kos.SOPClassUID = KEY_OBJECT_SELECTION
    items = []
    for index in (7, 2, 9):
        ref, item = Dataset(), Dataset()
        ref.ReferencedSOPClassUID = CTImageStorage
        ref.ReferencedSOPInstanceUID = images[index].SOPInstanceUID
        item.ValueType, item.ReferencedSOPSequence = "IMAGE", [ref]
        items.append(item)
    kos.ContentSequence = items
    plan = plan_exam([*images, kos])
    assert plan.source is PlanSource.KEY_IMAGES
    assert [ds.InstanceNumber for ds, _ in plan.frames] == [8, 3, 10]
    assert plan.layout == DisplayFormat.standard(2, 2)


def test_an_exam_without_images_is_refused() -> None:
    report = Dataset()
    report.SOPClassUID = "1.2.840.10008.5.1.4.1.1.104.1"
    with pytest.raises(FilmError, match="no images"):
        plan_exam([report])


def test_settings_choose_the_plans() -> None:
    env = {
        "KIOSK_FILM__PLANS": "CT=ROW\\2,3 DX=2x1",
        "KIOSK_FILM__DPI": "50",
        "KIOSK_FILM__SIZE": "8INX10IN",
        "KIOSK_FILM__ANNOTATIONS": "false",
    }
    settings = load(env=env)
    config = FilmConfig.from_settings(settings.film, "示例人民医院")
    assert config.rules.layout_for("ct") == DisplayFormat("ROW", (2, 3))
    assert config.rules.layout_for("MR") == DisplayFormat.standard(3, 4), "not listed: other"
    assert config.annotations is None
    sheets = compose_exam([instance("CT", n, value=50 + n) for n in range(1, 8)], config)
    # One sheet of evenly spaced slices (slice_sheets = 1): five of the seven, ends included.
    assert len(sheets) == 1 and sheets[0].pixels.shape == (500, 400)
    assert {int(v) for v in np.unique(sheets[0].pixels)} - {0} == {51, 53, 54, 55, 57}


def test_bad_plans_stop_the_settings_with_the_key() -> None:
    with pytest.raises(SettingsError, match=r"film\.plans.*MODALITY=LAYOUT"):
        load(env={"KIOSK_FILM__PLANS": "CT=4x"})
    with pytest.raises(ValueError, match="MODALITY=LAYOUT"):
        parse_plans("CT:4x5")


def test_exam_films_carry_annotations_by_default() -> None:
    images = [instance("CT", n, PatientName="张^小三", PatientID="P1") for n in range(1, 5)]
    annotated = compose_exam(images, FilmConfig(size="8INX10IN", dpi=100))
    plain = compose_exam(images, FilmConfig(size="8INX10IN", dpi=100, annotations=None))
    assert len(annotated) == 1
    assert not np.array_equal(annotated[0].pixels, plain[0].pixels)
