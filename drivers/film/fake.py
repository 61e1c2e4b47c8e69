"""A DICOM film printer in memory: builds the same datasets as the real SCU, prints nothing.

For unit tests and demos of the DICOM path without a network. Each sheet becomes a film box
kept in :attr:`FakeDicomFilmPrinter.films` (the Film Box and Image Box datasets the real SCU
would send). ``printer_status`` / ``status_info`` simulate what the printer reports
(``"FAILURE"`` / ``"FILM JAM"``); ``jam_after`` makes the printer jam once that many more films
have been printed, as a real one does in the middle of a job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from drivers.base import (
    FilmPrinter,
    FilmSheet,
    JobPhase,
    JobStatus,
    PrinterState,
    PrinterStatus,
    Protocol,
)
from drivers.errors import PrinterError, PrinterFaultError
from drivers.film import datasets as ds

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FakeFilm:
    """One film the fake printer took."""

    job_id: str
    session: Dataset
    film_box: Dataset
    image_box: Dataset


class FakeDicomFilmPrinter(FilmPrinter):
    """Answers like a DICOM print SCP, in memory."""

    def __init__(self, name: str = "FAKEPRINT") -> None:
        self.name = name
        self.films: list[FakeFilm] = []
        self.printer_status = "NORMAL"
        self.status_info = "NORMAL"
        #: jam (FAILURE, FILM JAM) when this many more films have been printed; None: never
        self.jam_after: int | None = None

    def clear(self) -> None:
        """A nurse cleared the printer."""
        self.printer_status, self.status_info, self.jam_after = "NORMAL", "NORMAL", None

    def _report(self) -> ds.PrinterReport:
        return ds.PrinterReport(self.printer_status, self.status_info)

    def status(self) -> PrinterStatus:
        report = self._report()
        return PrinterStatus(
            self.name,
            PrinterState.STOPPED if report.status == "FAILURE" else PrinterState.IDLE,
            reasons=report.terms,
            message=report.info,
            accepting_jobs=report.status != "FAILURE",
            protocol=Protocol.DICOM,
        )

    def submit_sheets(self, sheets: Sequence[FilmSheet], title: str) -> str:
        if not sheets:
            raise PrinterError("printer.rejected", "no sheets to print")
        session = ds.film_session(ds.SessionOptions(label=title))
        session_uid = generate_uid()
        job_id = ""
        for index, sheet in enumerate(sheets):
            if self.jam_after == 0:
                self.printer_status, self.status_info = "FAILURE", "FILM JAM"
            report = self._report()
            if report.status == "FAILURE":
                raise PrinterFaultError(
                    "printer.fault",
                    f"{self.name}: film {index + 1} not printed: {report.info}",
                    report.terms,
                    Protocol.DICOM,
                )
            try:
                image = ds.image_box(sheet.pixels)
            except ValueError as exc:
                raise PrinterError("printer.rejected", f"sheet {index + 1}: {exc}") from exc
            box = ds.film_box(session_uid, sheet.film_size_id, sheet.portrait, ds.FilmBoxOptions())
            job_id = f"fb:{generate_uid()}"
            self.films.append(FakeFilm(job_id, session, box, image))
            if self.jam_after is not None:
                self.jam_after -= 1
            log.info("%s took film %s", self.name, job_id)
        return job_id

    def job_status(self, job_id: str) -> JobStatus:
        if not any(film.job_id == job_id for film in self.films):
            raise PrinterError("job.unknown", f"no job {job_id} on {self.name}")
        return JobStatus(JobPhase.COMPLETED, protocol=Protocol.DICOM)

    def cancel(self, job_id: str) -> None:
        raise PrinterError("printer.rejected", f"job {job_id} is completed")
