"""The types every printer backend speaks, so services never see a backend's own vocabulary."""

from __future__ import annotations

import abc
import enum
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


class JobPhase(enum.Enum):
    """Where a submitted job is, in terms common to CUPS/IPP and DICOM print."""

    PENDING = "pending"
    """Queued, not started."""
    HELD = "held"
    """Held by the spooler (for example after a backend error); will not print by itself."""
    PROCESSING = "processing"
    """Being printed (possibly stalled by a printer condition such as a jam)."""
    STOPPED = "stopped"
    """The job or its queue was stopped by an error; needs someone to act."""
    COMPLETED = "completed"
    """The printer reported the job done without error."""
    CANCELED = "canceled"
    """Canceled by a person or the program."""
    ABORTED = "aborted"
    """Abandoned by the spooler because of an error."""

    @property
    def final(self) -> bool:
        return self in (JobPhase.COMPLETED, JobPhase.CANCELED, JobPhase.ABORTED)


class Protocol(enum.Enum):
    """Whose vocabulary a status's ``reasons`` are in."""

    IPP = "ipp"
    """IPP printer-state-reasons keywords (``media-jam-error``, ``toner-low-report``)."""
    DICOM = "dicom"
    """DICOM Printer Status Info defined terms (``FILM JAM``, ``SUPPLY EMPTY``)."""


@dataclass(frozen=True)
class JobStatus:
    """A job's phase plus the printer conditions that explain it (IPP keywords by default)."""

    phase: JobPhase
    reasons: tuple[str, ...] = ()
    message: str = ""
    protocol: Protocol = Protocol.IPP


class PrinterState(enum.Enum):
    """A printer's own state."""

    IDLE = "idle"
    """Ready and not printing."""
    PROCESSING = "processing"
    """Printing."""
    STOPPED = "stopped"
    """Stopped; it prints nothing until re-enabled."""
    UNKNOWN = "unknown"
    """Could not be asked."""


@dataclass(frozen=True)
class PrinterStatus:
    """What a printer says about itself (IPP printer-state and printer-state-reasons)."""

    name: str
    state: PrinterState
    reasons: tuple[str, ...] = ()
    message: str = ""
    accepting_jobs: bool = False
    markers: Mapping[str, int] = field(default_factory=dict)
    """Consumable name -> level in percent (-1 unknown), where the printer reports them."""
    media_ready: tuple[str, ...] = ()
    """Media loaded and ready (IPP media-ready, DICOM film sizes), where the printer says."""
    protocol: Protocol = Protocol.IPP
    """The vocabulary of ``reasons``."""


@dataclass(frozen=True)
class Availability:
    """Whether a backend can be used on this machine, and what is missing if not."""

    ok: bool
    missing: str = ""


def importable(module: str, package: str) -> Availability:
    """Available when the Python ``module`` imports; otherwise which ``package`` to install."""
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return Availability(False, f"{package} is not installed (pip install {package}): {exc}")
    return Availability(True)


@dataclass(frozen=True)
class FilmSheet:
    """One composed film sheet, ready for a film printer.

    ``pixels`` is 8-bit greyscale (0 black, 255 white as seen on a light box once printed is
    the printer's business: values are display P-values), ``shape == (rows, columns)`` at
    ``dpi`` covering the film's printable area.
    """

    pixels: np.ndarray
    film_size_id: str
    dpi: int
    portrait: bool = True


class Printer(abc.ABC):
    """Common side of every printer: identity, status and job tracking."""

    #: what the screen and the ledger call this printer (queue name, AE title, folder)
    name: str

    @classmethod
    def is_available(cls) -> Availability:
        """Whether this backend's libraries and services are present."""
        return Availability(True)

    @abc.abstractmethod
    def status(self) -> PrinterStatus:
        """The printer's state right now (never raises: an unreachable printer is UNKNOWN)."""

    @abc.abstractmethod
    def job_status(self, job_id: str) -> JobStatus:
        """The phase of a job this printer accepted. Raises PrinterError if it is unknown."""

    @abc.abstractmethod
    def cancel(self, job_id: str) -> None:
        """Cancel a job that has not completed."""

    def resume(self, job_id: str | None = None) -> None:  # noqa: B027 - optional hook
        """A person cleared a condition: let the printer take and print jobs again.

        CUPS: enable a queue an error stopped, accept jobs, and release ``job_id`` if the
        spooler holds it. Printers that resume by themselves need do nothing (the default).
        """


class DocumentPrinter(Printer):
    """A paper printer for reports (PDF in)."""

    @abc.abstractmethod
    def submit_pdf(self, pdf: bytes, title: str, options: Mapping[str, str] | None = None) -> str:
        """Queue a PDF; return the printer's job id. Raises PrinterError."""


class FilmPrinter(Printer):
    """A film printer (composed sheets in).

    The printing service sends one sheet per call, so that each sheet is confirmed (and, after a
    jam, resent) on its own; a backend must still accept several sheets as one job.
    """

    @abc.abstractmethod
    def submit_sheets(self, sheets: Sequence[FilmSheet], title: str) -> str:
        """Queue sheets as one job; return the printer's job id. Raises PrinterError."""

    def check_film_size(self, film_size_id: str) -> None:
        """Raise :class:`drivers.errors.MediaUnsupportedError` if this printer cannot print
        ``film_size_id`` at its true size (asked before anything is sent). A printer that
        cannot tell (the default) does nothing; PrinterError if it cannot be asked."""
