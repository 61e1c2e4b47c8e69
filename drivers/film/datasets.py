"""Basic Grayscale Print Management datasets, built by pure functions (no network).

What :mod:`drivers.film.dicom_print` sends: a Film Session (copies, priority, medium, destination),
a Film Box per sheet (display format, film size, orientation, magnification, densities, trim), the
Image Box holding the sheet's pixels, and what it reads back: the Printer's status (N-GET or
N-EVENT-REPORT) and a Print Job's execution status. PS3.3 C.13 and PS3.4 Annex H.

A composed sheet already covers the film's printable area at the printer's resolution, so each
film box is ``STANDARD\\1,1`` with one image box, magnification ``NONE``: the printer puts the
sheet's pixels on film one to one, as the film engine laid them out.

Only what the standard defines for each request is sent, and a conditional attribute only when
its condition holds (``tests/unit/drivers/test_film_conformance.py`` checks the datasets against
a table of PS3.4 H.4's N-CREATE / N-SET requirements and PS3.3 C.13's values): Pixel Aspect Ratio
is absent (it is required only when not 1\\1, and composed sheets have square pixels), the Film
Session Label keeps to the default character repertoire (no Specific Character Set needed), and
a Presentation LUT, Illumination and Reflected Ambient Light go only to a printer that accepted
the Presentation LUT SOP class (PS3.4 H.4.9; the film box's Referenced Presentation LUT Sequence,
Illumination and Reflected Ambient Light are "required if Presentation LUT is supported").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian

# SOP classes (PS3.4 H) and the Printer's well-known instance
BASIC_GRAYSCALE_PRINT_META = UID("1.2.840.10008.5.1.1.9")
BASIC_FILM_SESSION = UID("1.2.840.10008.5.1.1.1")
BASIC_FILM_BOX = UID("1.2.840.10008.5.1.1.2")
BASIC_GRAYSCALE_IMAGE_BOX = UID("1.2.840.10008.5.1.1.4")
PRINTER = UID("1.2.840.10008.5.1.1.16")
PRINTER_INSTANCE = UID("1.2.840.10008.5.1.1.17")
PRINT_JOB = UID("1.2.840.10008.5.1.1.14")
PRESENTATION_LUT = UID("1.2.840.10008.5.1.1.23")

#: The transfer syntaxes a film printer may be offered, by their settings names. Each is proposed
#: in a presentation context of its own, so a printer can accept one and refuse the other.
TRANSFER_SYNTAXES = {"implicit": ImplicitVRLittleEndian, "explicit": ExplicitVRLittleEndian}

#: N-GET of the Printer before printing: Printer Status and Printer Status Info, the two the
#: SCP must answer (PS3.4 H.4.6); dcmprscp refuses the whole request if one more is asked.
PRINTER_STATUS_TAGS = [0x21100010, 0x21100020]
#: N-GET of the Printer at selftest: everything the Printer SOP class defines (PS3.4 H.4.6, all
#: but the first two are optional for the SCP); see :func:`printer_attributes` for how
#: :mod:`drivers.film.dicom_print` copes with a printer that refuses some.
PRINTER_INFO_TAGS = [
    0x21100010,  # Printer Status
    0x21100020,  # Printer Status Info
    0x21100030,  # Printer Name
    0x00080070,  # Manufacturer
    0x00081090,  # Manufacturer's Model Name
    0x00181000,  # Device Serial Number
    0x00181020,  # Software Versions
    0x00181200,  # Date of Last Calibration
    0x00181201,  # Time of Last Calibration
]
#: N-GET of a Print Job: Execution Status and Execution Status Info
PRINT_JOB_STATUS_TAGS = [0x21000020, 0x21000030]

#: Printer N-EVENT-REPORT event type -> Printer Status (PS3.4 H.4.11.1.2)
PRINTER_EVENTS = {1: "NORMAL", 2: "WARNING", 3: "FAILURE"}
#: Print Job N-EVENT-REPORT event type -> Execution Status (PS3.4 H.4.8.1.2)
PRINT_JOB_EVENTS = {1: "PENDING", 2: "PRINTING", 3: "DONE", 4: "FAILURE"}

PRIORITIES = ("HIGH", "MED", "LOW")
ORIENTATIONS = ("PORTRAIT", "LANDSCAPE")
#: Presentation LUT Shape values every print SCP supports (PS3.4 H.4.9.2.1.1)
PRESENTATION_LUT_SHAPES = ("IDENTITY", "LIN OD")


@dataclass(frozen=True)
class SessionOptions:
    """Film Session attributes the kiosk sets (PS3.3 C.13.1)."""

    copies: int = 1
    priority: str = "MED"
    medium_type: str = "BLUE FILM"
    film_destination: str = "PROCESSOR"
    label: str = ""


@dataclass(frozen=True)
class FilmBoxOptions:
    """Film Box attributes the kiosk sets (PS3.3 C.13.3); ``film_size_id`` comes per sheet."""

    magnification: str = "NONE"
    border_density: str = "BLACK"
    empty_image_density: str = "BLACK"
    min_density: int | None = None
    max_density: int | None = None
    trim: str = "NO"


@dataclass(frozen=True)
class PresentationOptions:
    """Presentation LUT and viewing light (PS3.4 H.4.9, PS3.3 C.13.3), all off by default.

    Attributes:
        lut_shape: ``IDENTITY`` or ``LIN OD`` to N-CREATE a Presentation LUT of that shape and
            reference it from each film box; empty: none (the printer's own).
        illumination: light box luminance L0 in cd/m² (the standard suggests 2000 for
            transmissive film); None: the printer's default.
        reflected_ambient_light: ambient light La in cd/m² (suggested 10); None: the printer's.
    """

    lut_shape: str = ""
    illumination: int | None = None
    reflected_ambient_light: int | None = None

    def __post_init__(self) -> None:
        if self.lut_shape and self.lut_shape not in PRESENTATION_LUT_SHAPES:
            raise ValueError(
                f"Presentation LUT Shape must be one of {PRESENTATION_LUT_SHAPES}, "
                f"got {self.lut_shape!r}"
            )
        for name in ("illumination", "reflected_ambient_light"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 0xFFFF:
                raise ValueError(f"{name} must be 0..65535 cd/m², got {value}")

    @property
    def wanted(self) -> bool:
        """Whether any of it is set: only then is the Presentation LUT SOP class proposed."""
        return (
            bool(self.lut_shape)
            or self.illumination is not None
            or (self.reflected_ambient_light is not None)
        )


@dataclass(frozen=True)
class PrinterReport:
    """What a printer says about itself: Printer Status (NORMAL/WARNING/FAILURE) and Info."""

    status: str
    info: str = ""

    @property
    def terms(self) -> tuple[str, ...]:
        """The Printer Status Info terms that say something (NORMAL says nothing)."""
        info = self.info.strip().upper()
        return (info,) if info and info != "NORMAL" else ()


def film_session(options: SessionOptions) -> Dataset:
    """The Film Session N-CREATE attribute list."""
    if options.copies < 1:
        raise ValueError(f"copies must be at least 1, got {options.copies}")
    if options.priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {PRIORITIES}, got {options.priority!r}")
    ds = Dataset()
    ds.NumberOfCopies = options.copies
    ds.PrintPriority = options.priority
    ds.MediumType = options.medium_type
    ds.FilmDestination = options.film_destination
    label = session_label(options.label)
    if label:
        ds.FilmSessionLabel = label
    return ds


def session_label(text: str) -> str:
    """A Film Session Label (LO, 64 characters) in the default character repertoire.

    A label outside it would need Specific Character Set, which old printers ignore or refuse;
    the label is the job's title (kind, accession, job number), so ``?`` for the odd character
    loses nothing. Backslash separates values and control characters are not allowed in LO.
    """
    kept = "".join(ch if " " <= ch <= "~" and ch != "\\" else "?" for ch in text)
    return kept.strip()[:64]


def film_box(
    session_uid: str,
    film_size_id: str,
    portrait: bool,
    options: FilmBoxOptions,
    presentation: PresentationOptions | None = None,
    presentation_lut_uid: str = "",
) -> Dataset:
    """The Film Box N-CREATE attribute list: one image box covering the whole film.

    Args:
        presentation: Illumination and Reflected Ambient Light to send; pass it only for a
            printer that accepted the Presentation LUT SOP class (None: send neither).
        presentation_lut_uid: the Presentation LUT instance created on the printer for this
            association, referenced from the box (empty: none).
    """
    ds = Dataset()
    ds.ImageDisplayFormat = "STANDARD\\1,1"
    ds.FilmOrientation = ORIENTATIONS[0] if portrait else ORIENTATIONS[1]
    ds.FilmSizeID = film_size_id
    ds.MagnificationType = options.magnification
    ds.BorderDensity = options.border_density
    ds.EmptyImageDensity = options.empty_image_density
    if options.min_density is not None:
        ds.MinDensity = options.min_density
    if options.max_density is not None:
        ds.MaxDensity = options.max_density
    ds.Trim = options.trim
    ref = Dataset()
    ref.ReferencedSOPClassUID = BASIC_FILM_SESSION
    ref.ReferencedSOPInstanceUID = session_uid
    ds.ReferencedFilmSessionSequence = [ref]
    if presentation is not None:
        if presentation.illumination is not None:
            ds.Illumination = presentation.illumination
        if presentation.reflected_ambient_light is not None:
            ds.ReflectedAmbientLight = presentation.reflected_ambient_light
    if presentation_lut_uid:
        lut = Dataset()
        lut.ReferencedSOPClassUID = PRESENTATION_LUT
        lut.ReferencedSOPInstanceUID = presentation_lut_uid
        ds.ReferencedPresentationLUTSequence = [lut]
    return ds


def presentation_lut(shape: str) -> Dataset:
    """The Presentation LUT N-CREATE attribute list: a shape, not a table (PS3.4 H.4.9.2.1.1).

    IDENTITY: the pixels are P-Values, printed through the printer's Grayscale Standard Display
    Function; LIN OD: they are linear in optical density between Min and Max Density.
    """
    if shape not in PRESENTATION_LUT_SHAPES:
        raise ValueError(f"Presentation LUT Shape must be one of {PRESENTATION_LUT_SHAPES}")
    ds = Dataset()
    ds.PresentationLUTShape = shape
    return ds


def image_box(pixels: np.ndarray, position: int = 1) -> Dataset:
    """The Image Box N-SET attribute list carrying a sheet's pixels.

    Args:
        pixels: 2-D ``uint8`` (8 bits stored) or ``uint16`` with values below 4096 (12 bits
            stored), MONOCHROME2 display values: 0 is black on the light box.
        position: Image Box Position (1 for a ``STANDARD\\1,1`` film box).
    """
    if pixels.ndim != 2 or min(pixels.shape) == 0:
        raise ValueError(f"pixels must be a non-empty 2-D array, got shape {pixels.shape}")
    if pixels.dtype == np.uint8:
        bits = 8
    elif pixels.dtype == np.uint16 and int(pixels.max()) < 4096:
        bits = 12
    else:
        raise ValueError(f"pixels must be uint8, or uint16 below 4096; got {pixels.dtype}")
    image = Dataset()
    image.SamplesPerPixel = 1
    image.PhotometricInterpretation = "MONOCHROME2"
    image.Rows, image.Columns = (int(n) for n in pixels.shape)
    # no Pixel Aspect Ratio: it is required only when not 1:1, and a sheet's pixels are square
    image.BitsAllocated = 8 if bits == 8 else 16
    image.BitsStored = bits
    image.HighBit = bits - 1
    image.PixelRepresentation = 0
    image.PixelData = np.ascontiguousarray(pixels, dtype=pixels.dtype.newbyteorder("<")).tobytes()
    ds = Dataset()
    ds.ImageBoxPosition = position
    ds.BasicGrayscaleImageSequence = [image]
    return ds


def image_box_uids(film_box_response: Dataset | None) -> list[tuple[str, str]]:
    """(SOP class, SOP instance) of each image box the printer created for a film box."""
    if film_box_response is None:
        return []
    return [
        (str(item.ReferencedSOPClassUID), str(item.ReferencedSOPInstanceUID))
        for item in film_box_response.get("ReferencedImageBoxSequence", [])
    ]


def print_job_uid(action_reply: Dataset | None) -> str:
    """The Print Job instance an N-ACTION created, where the printer supports Print Job."""
    if action_reply is None:
        return ""
    for item in action_reply.get("ReferencedPrintJobSequence", []):
        uid = item.get("ReferencedSOPInstanceUID")
        if uid:
            return str(uid)
    return ""


def printer_report(attrs: Dataset | None) -> PrinterReport:
    """Printer Status and Printer Status Info from an N-GET reply (UNKNOWN when absent)."""
    if attrs is None:
        return PrinterReport("UNKNOWN")
    status = str(attrs.get("PrinterStatus", "") or "UNKNOWN").strip().upper()
    return PrinterReport(status, str(attrs.get("PrinterStatusInfo", "") or "").strip().upper())


def printer_event(event_type: int, info: Dataset | None) -> PrinterReport:
    """A Printer N-EVENT-REPORT (event type 1-3, optional Printer Status Info) as a report."""
    status = PRINTER_EVENTS.get(event_type, "UNKNOWN")
    text = ""
    if info is not None:
        text = str(info.get("PrinterStatusInfo", "") or "").strip().upper()
    return PrinterReport(status, text)


def printer_attributes(attrs: Dataset | None) -> dict[str, str]:
    """What a Printer N-GET answered, as text by DICOM keyword, in :data:`PRINTER_INFO_TAGS`
    order, then anything else it volunteered; empty values left out.

    Dates and times read as ISO (``2024-05-01``, ``10:30:00``); several values join with ``/``.
    """
    if attrs is None:
        return {}
    out: dict[str, str] = {}
    order = {tag: i for i, tag in enumerate(PRINTER_INFO_TAGS)}
    for element in sorted(attrs, key=lambda e: (order.get(int(e.tag), len(order)), int(e.tag))):
        if element.VR == "SQ" or element.tag.is_private or element.value in (None, "", b""):
            continue
        keyword = keyword_for_tag(element.tag) or f"{int(element.tag):08X}"
        values = element.value if element.VM > 1 else [element.value]
        text = " / ".join(_attribute_text(element.VR, v) for v in values)
        if text:
            out[keyword] = text
    return out


def _attribute_text(vr: str, value: object) -> str:
    text = " ".join(str(value).split())
    digits = text.replace(".", "").replace(":", "")
    if vr == "DA" and len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    if vr == "TM" and len(digits) >= 4 and digits[:6].isdigit():
        parts = [digits[i : i + 2] for i in range(0, min(len(digits), 6), 2)]
        return ":".join(parts)
    return text
