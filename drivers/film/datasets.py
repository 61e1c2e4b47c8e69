"""Basic Grayscale Print Management datasets, built by pure functions (no network).

What :mod:`drivers.film.dicom_print` sends: a Film Session (copies, priority, medium, destination),
a Film Box per sheet (display format, film size, orientation, magnification, densities, trim), the
Image Box holding the sheet's pixels, and what it reads back: the Printer's status (N-GET or
N-EVENT-REPORT) and a Print Job's execution status. PS3.3 C.13 and PS3.4 Annex H.

A composed sheet already covers the film's printable area at the printer's resolution, so each
film box is ``STANDARD\\1,1`` with one image box, magnification ``NONE``: the printer puts the
sheet's pixels on film one to one, as the film engine laid them out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

# SOP classes (PS3.4 H) and the Printer's well-known instance
BASIC_GRAYSCALE_PRINT_META = UID("1.2.840.10008.5.1.1.9")
BASIC_FILM_SESSION = UID("1.2.840.10008.5.1.1.1")
BASIC_FILM_BOX = UID("1.2.840.10008.5.1.1.2")
BASIC_GRAYSCALE_IMAGE_BOX = UID("1.2.840.10008.5.1.1.4")
PRINTER = UID("1.2.840.10008.5.1.1.16")
PRINTER_INSTANCE = UID("1.2.840.10008.5.1.1.17")
PRINT_JOB = UID("1.2.840.10008.5.1.1.14")

#: N-GET of the Printer: Printer Status and Printer Status Info only (dcmprscp refuses more)
PRINTER_STATUS_TAGS = [0x21100010, 0x21100020]
#: N-GET of a Print Job: Execution Status and Execution Status Info
PRINT_JOB_STATUS_TAGS = [0x21000020, 0x21000030]

#: Printer N-EVENT-REPORT event type -> Printer Status (PS3.4 H.4.11.1.2)
PRINTER_EVENTS = {1: "NORMAL", 2: "WARNING", 3: "FAILURE"}
#: Print Job N-EVENT-REPORT event type -> Execution Status (PS3.4 H.4.8.1.2)
PRINT_JOB_EVENTS = {1: "PENDING", 2: "PRINTING", 3: "DONE", 4: "FAILURE"}

PRIORITIES = ("HIGH", "MED", "LOW")
ORIENTATIONS = ("PORTRAIT", "LANDSCAPE")


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
    if options.label:
        ds.FilmSessionLabel = options.label[:64]
    return ds


def film_box(
    session_uid: str, film_size_id: str, portrait: bool, options: FilmBoxOptions
) -> Dataset:
    """The Film Box N-CREATE attribute list: one image box covering the whole film."""
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
    image.PixelAspectRatio = [1, 1]
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
