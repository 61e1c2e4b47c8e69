"""The print datasets the kiosk sends, checked against the standard's own requirements.

The tables below are transcribed from DICOM PS3.4 Annex H (the N-CREATE / N-SET attribute
lists: Table H.4-2 Basic Film Session, H.4-6 Basic Film Box, H.4-10 Basic Grayscale Image Box,
H.4-23 Presentation LUT, each with its "Usage SCU/SCP") and PS3.3 C.13 / C.11.4 (the values:
enumerated values and defined terms of Basic Film Session, Basic Film Box, Image Box Pixel
Presentation and Presentation LUT modules). Usage for the SCU: ``M`` must be sent, ``MC`` must
be sent when its condition holds (and, where the standard says so, not otherwise), ``U`` may be
sent, and an attribute missing from a table may not be sent at all (a strict printer answers
0x0105 No Such Attribute). The VR of each element is checked against pydicom's PS3.6
dictionary. So a test here fails when the builders send something the standard does not allow,
not when they change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset

from drivers.film import datasets as ds

# The SOP class UIDs as PS3.4 H.4 gives them, not as the module under test names them.
FILM_SESSION_UID = "1.2.840.10008.5.1.1.1"
PRESENTATION_LUT_UID = "1.2.840.10008.5.1.1.23"

Rule = Callable[[object, Dataset], str]  # "" when the value is allowed, else why not


def one_of(*values: str) -> Rule:
    def rule(value: object, _ds: Dataset) -> str:
        return "" if str(value) in values else f"{value!r} is not one of {values}"

    return rule


def matches(pattern: str) -> Rule:
    def rule(value: object, _ds: Dataset) -> str:
        return "" if re.fullmatch(pattern, str(value)) else f"{value!r} does not match {pattern}"

    return rule


def at_least(low: int) -> Rule:
    def rule(value: object, _ds: Dataset) -> str:
        return "" if int(str(value)) >= low else f"{value!r} is below {low}"

    return rule


@dataclass(frozen=True)
class Req:
    """One row of a PS3.4 attribute table: SCU usage, allowed values, and for a sequence the
    table of its items and, where the standard says so, the number of items."""

    usage: str
    rule: Rule | None = None
    items: dict[str, Req] | None = None
    item_count: int | None = None
    condition: Callable[[Dataset], bool] | None = None  # for MC: must the attribute be sent?
    only_if: bool = False  # MC that the standard also forbids when its condition is false


def density(value: object, ds: Dataset) -> str:
    # PS3.3 C.13.3 Border / Empty Image Density: BLACK, WHITE, or hundredths of OD
    return matches(r"BLACK|WHITE|\d+")(value, ds)


def default_repertoire_lo(value: object, ds: Dataset) -> str:
    """LO in the default character repertoire (no Specific Character Set is sent): printable
    ASCII, no backslash (it would split the value), 64 characters at most (PS3.5 6.2)."""
    text = str(value)
    if len(text) > 64 or not re.fullmatch(r"[ -\[\]-~]*", text):
        return f"{text!r} is not LO in the default repertoire"
    return ""


def referenced(sop_class: str) -> dict[str, Req]:
    return {
        "ReferencedSOPClassUID": Req("M", one_of(sop_class)),
        "ReferencedSOPInstanceUID": Req("M", matches(r"[0-9]+(\.[0-9]+)*")),
    }


# PS3.4 Table H.4-2 with PS3.3 Table C.13-1
FILM_SESSION_N_CREATE = {
    "SpecificCharacterSet": Req("U"),
    "NumberOfCopies": Req("U", at_least(1)),
    "PrintPriority": Req("U", one_of("HIGH", "MED", "LOW")),
    "MediumType": Req(
        "U", one_of("PAPER", "CLEAR FILM", "BLUE FILM", "MAMMO CLEAR FILM", "MAMMO BLUE FILM")
    ),
    "FilmDestination": Req("U", matches(r"MAGAZINE|PROCESSOR|BIN_[1-9][0-9]*")),
    "FilmSessionLabel": Req("U", default_repertoire_lo),
    "MemoryAllocation": Req("U"),
    "OwnerID": Req("U"),
}

# PS3.4 Table H.4-6 with PS3.3 Table C.13-3. Referenced Image Box / Basic Annotation Box
# Sequence are the SCP's (usage "-" for the SCU), so they are not in the table.
FILM_BOX_N_CREATE = {
    "ImageDisplayFormat": Req(
        "M",
        matches(r"STANDARD\\\d+,\d+|ROW\\\d+(,\d+)*|COL\\\d+(,\d+)*|SLIDE|SUPERSLIDE|CUSTOM\\\d+"),
    ),
    "ReferencedFilmSessionSequence": Req("M", items=referenced(FILM_SESSION_UID), item_count=1),
    "FilmOrientation": Req("U", one_of("PORTRAIT", "LANDSCAPE")),
    "FilmSizeID": Req(
        "U",
        one_of(
            "8INX10IN",
            "8_5INX11IN",
            "10INX12IN",
            "10INX14IN",
            "11INX14IN",
            "11INX17IN",
            "14INX14IN",
            "14INX17IN",
            "24CMX24CM",
            "24CMX30CM",
            "A4",
            "A3",
        ),
    ),
    "MagnificationType": Req("U", one_of("REPLICATE", "BILINEAR", "CUBIC", "NONE")),
    "MaxDensity": Req("U"),
    "ConfigurationInformation": Req("U"),
    "ReferencedPresentationLUTSequence": Req(
        "U", items=referenced(PRESENTATION_LUT_UID), item_count=1
    ),
    "AnnotationDisplayFormatID": Req("U"),
    "SmoothingType": Req("U"),
    "BorderDensity": Req("U", density),
    "EmptyImageDensity": Req("U", density),
    "MinDensity": Req("U"),
    "Trim": Req("U", one_of("YES", "NO")),
    "Illumination": Req("U"),
    "ReflectedAmbientLight": Req("U"),
    "RequestedResolutionID": Req("U", one_of("STANDARD", "HIGH")),
    "ICCProfile": Req("U"),
}


def bits_allocated(value: object, item: Dataset) -> str:
    # PS3.3 C.13.5 / C.8-62: 8 if Bits Stored = 8, 16 if Bits Stored = 12
    expected = {8: 8, 12: 16}.get(int(item.get("BitsStored", 0)))
    return "" if value == expected else f"{value!r} with Bits Stored {item.get('BitsStored')}"


def high_bit(value: object, item: Dataset) -> str:
    stored = int(item.get("BitsStored", 0))
    return "" if value == stored - 1 else f"{value!r} is not Bits Stored - 1 ({stored - 1})"


def pixel_data(value: object, item: Dataset) -> str:
    size = int(item.Rows) * int(item.Columns) * int(item.BitsAllocated) // 8
    length = len(value) if isinstance(value, bytes) else -1
    return "" if length in (size, size + size % 2) else f"{length} bytes, not {size}"


def not_square(item: Dataset) -> bool:
    """Pixel Aspect Ratio is required if the aspect ratio is not 1\\1 (and means nothing if it
    is): the kiosk's sheets have square pixels, so it must not be sent as 1\\1."""
    ratio = item.get("PixelAspectRatio")
    return ratio is not None and int(ratio[0]) != int(ratio[1])


# PS3.4 Table H.4-10 with PS3.3 Table C.13-5 (and its Basic Grayscale Image Sequence)
GRAYSCALE_IMAGE = {
    "SamplesPerPixel": Req("M", one_of("1")),
    "PhotometricInterpretation": Req("M", one_of("MONOCHROME1", "MONOCHROME2")),
    "Rows": Req("M", at_least(1)),
    "Columns": Req("M", at_least(1)),
    "PixelAspectRatio": Req("MC", condition=not_square, only_if=True),
    "BitsAllocated": Req("M", bits_allocated),
    "BitsStored": Req("M", one_of("8", "12")),
    "HighBit": Req("M", high_bit),
    "PixelRepresentation": Req("M", one_of("0")),
    "PixelData": Req("M", pixel_data),
}
IMAGE_BOX_N_SET = {
    "ImageBoxPosition": Req("M", at_least(1)),
    "Polarity": Req("U", one_of("NORMAL", "REVERSE")),
    "MagnificationType": Req("U", one_of("REPLICATE", "BILINEAR", "CUBIC", "NONE")),
    "SmoothingType": Req("U"),
    "MinDensity": Req("U"),
    "MaxDensity": Req("U"),
    "ConfigurationInformation": Req("U"),
    "RequestedImageSize": Req("U"),
    "RequestedDecimateCropBehavior": Req("U", one_of("DECIMATE", "CROP", "FAIL")),
    "BasicGrayscaleImageSequence": Req("M", items=GRAYSCALE_IMAGE, item_count=1),
    "ReferencedPresentationLUTSequence": Req(
        "U", items=referenced(PRESENTATION_LUT_UID), item_count=1
    ),
}

# PS3.4 Table H.4-23 with PS3.3 C.11.4: a LUT or a shape, never both
PRESENTATION_LUT_N_CREATE = {
    "PresentationLUTSequence": Req(
        "MC", condition=lambda d: "PresentationLUTShape" not in d, only_if=True
    ),
    "PresentationLUTShape": Req(
        "MC",
        one_of("IDENTITY", "LIN OD"),
        condition=lambda d: "PresentationLUTSequence" not in d,
        only_if=True,
    ),
}


def violations(dataset: Dataset, table: dict[str, Req], where: str = "") -> list[str]:
    """Everything in ``dataset`` that the table does not allow, one line each."""
    found = []
    for element in dataset:
        keyword = element.keyword
        name = f"{where}{keyword or element.tag}"
        if keyword not in table:
            found.append(f"{name}: not an attribute of this request")
            continue
        expected_vr = dictionary_VR(element.tag)
        if element.VR not in (expected_vr, *expected_vr.split(" or ")):
            found.append(f"{name}: VR {element.VR}, PS3.6 says {expected_vr}")
        req = table[keyword]
        if req.usage == "MC" and req.only_if and req.condition and not req.condition(dataset):
            found.append(f"{name}: sent though its condition does not hold")
        if req.items is not None:
            items = list(element.value)
            if req.item_count is not None and len(items) != req.item_count:
                found.append(f"{name}: {len(items)} items, not {req.item_count}")
            for item in items:
                found += violations(item, req.items, f"{name}>")
        elif req.rule is not None:
            values = element.value if element.VM > 1 else [element.value]
            found += [f"{name}: {why}" for v in values if (why := req.rule(v, dataset))]
    for keyword, req in table.items():
        needed = req.usage == "M" or (
            req.usage == "MC" and req.condition is not None and req.condition(dataset)
        )
        if needed and keyword not in dataset and not (req.usage == "MC" and req.only_if):
            found.append(f"{where}{keyword}: required, missing")
    if table is PRESENTATION_LUT_N_CREATE and not set(table) & set(dataset.dir()):
        found.append("Presentation LUT: neither a LUT nor a shape")
    return found


SESSIONS = [
    ds.SessionOptions(),
    ds.SessionOptions(copies=3, priority="HIGH", medium_type="CLEAR FILM", label="film-ACC-1-7"),
    ds.SessionOptions(film_destination="BIN_2", label="胶片 ACC\\2 " + "x" * 80),
]
BOXES = [
    ds.FilmBoxOptions(),
    ds.FilmBoxOptions(
        magnification="REPLICATE",
        border_density="WHITE",
        empty_image_density="150",
        min_density=20,
        max_density=320,
        trim="YES",
    ),
]
LIGHTS = [
    None,
    ds.PresentationOptions(),
    ds.PresentationOptions("LIN OD", 2000, 10),
    ds.PresentationOptions("", None, 10),
]


@pytest.mark.parametrize("options", SESSIONS)
def test_film_session_n_create_is_what_ps3_4_allows(options: ds.SessionOptions) -> None:
    assert violations(ds.film_session(options), FILM_SESSION_N_CREATE) == []


@pytest.mark.parametrize("options", BOXES)
@pytest.mark.parametrize("light", LIGHTS)
@pytest.mark.parametrize("size", ["14INX17IN", "8INX10IN", "24CMX30CM", "A3"])
def test_film_box_n_create_is_what_ps3_4_allows(
    options: ds.FilmBoxOptions, light: ds.PresentationOptions | None, size: str
) -> None:
    for portrait, lut_uid in ((True, ""), (False, "1.2.826.0.1.3680043.10.6.99")):
        box = ds.film_box("1.2.826.0.1.3680043.10.6.1", size, portrait, options, light, lut_uid)
        assert violations(box, FILM_BOX_N_CREATE) == []


@pytest.mark.parametrize(
    "pixels",
    [
        np.zeros((3, 5), np.uint8),  # odd length: padded on the wire
        np.full((1700, 1400), 255, np.uint8),
        np.array([[0, 4095], [17, 2048]], np.uint16),
    ],
)
def test_image_box_n_set_is_what_ps3_4_allows(pixels: np.ndarray) -> None:
    box = ds.image_box(pixels)
    assert violations(box, IMAGE_BOX_N_SET) == []
    assert "PixelAspectRatio" not in box.BasicGrayscaleImageSequence[0]


@pytest.mark.parametrize("shape", ds.PRESENTATION_LUT_SHAPES)
def test_presentation_lut_n_create_is_what_ps3_4_allows(shape: str) -> None:
    assert violations(ds.presentation_lut(shape), PRESENTATION_LUT_N_CREATE) == []


def test_the_checker_flags_what_a_validator_would() -> None:
    """The tables can fail: the image box as the kiosk sent it before (Pixel Aspect Ratio
    1\\1), and other mistakes a strict printer refuses."""
    old = ds.image_box(np.zeros((4, 4), np.uint8))
    old.BasicGrayscaleImageSequence[0].PixelAspectRatio = [1, 1]
    assert violations(old, IMAGE_BOX_N_SET) == [
        "BasicGrayscaleImageSequence>PixelAspectRatio: sent though its condition does not hold"
    ]
    tall = ds.image_box(np.zeros((4, 4), np.uint8))
    tall.BasicGrayscaleImageSequence[0].PixelAspectRatio = [2, 1]
    assert violations(tall, IMAGE_BOX_N_SET) == []

    box = ds.film_box("1.2.3", "14INX17IN", True, ds.FilmBoxOptions(trim="MAYBE"))
    box.PixelSpacing = [1, 1]
    del box.ImageDisplayFormat
    assert violations(box, FILM_BOX_N_CREATE) == [
        "PixelSpacing: not an attribute of this request",
        "Trim: 'MAYBE' is not one of ('YES', 'NO')",
        "ImageDisplayFormat: required, missing",
    ]
    both = ds.presentation_lut("IDENTITY")
    both.PresentationLUTSequence = [Dataset()]
    assert len(violations(both, PRESENTATION_LUT_N_CREATE)) == 2
    assert violations(Dataset(), PRESENTATION_LUT_N_CREATE) == [
        "Presentation LUT: neither a LUT nor a shape"
    ]
