"""What an item prints, made from its study: the film sheets or the report PDF.

The visit uses it to print an item, and the printing service to make a paused job's content
again after a restart (:meth:`ItemContent.recompose`): composition is deterministic, so the same
study and settings give the same sheets, which the digests recorded with each sheet prove. Both
get this one object from the composition root, so neither needs the other to exist first.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from pydicom import Dataset

from drivers.base import FilmSheet
from kiosk_app.core.errors import BadStudyDataError
from kiosk_app.core.models import Credential, CredentialKind, Exam, ItemKind
from kiosk_app.services import film
from kiosk_app.services.catalog import Catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FilmOptions:
    size: str = "14INX17IN"
    dpi: int = 300
    config: film.FilmConfig | None = None
    """Plans, margins, annotations (``[film]`` settings); None: defaults at size and dpi."""


class ItemContent:
    """Film sheets and report PDFs of a catalog's exams, composed with one set of film options."""

    #: films composed ahead and kept for the patient's confirmation (the last visit's)
    PREPARED = 2

    def __init__(
        self, catalog: Catalog, film_options: FilmOptions, *, prepare_ahead: bool = False
    ) -> None:
        self.catalog = catalog
        self.film_options = film_options
        self.prepare_ahead = prepare_ahead
        self._prepared: OrderedDict[tuple[object, ...], Future[list[FilmSheet]]] = OrderedDict()
        self._prepared_lock = threading.Lock()
        self._preparer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="film-prepare")

    def prepare(self, exam: Exam) -> None:
        """Start composing the exam's film in the background (``prepare_ahead``), while the
        patient reads the confirmation screen: :meth:`sheets` then hands it over at once.
        What is not confirmed is dropped when the next films are prepared or :meth:`forget`."""
        if not self.prepare_ahead:
            return
        key = self._key(exam)
        with self._prepared_lock:
            if key in self._prepared:
                return
            self._prepared[key] = self._preparer.submit(self._compose, exam)
            while len(self._prepared) > self.PREPARED:
                _old, future = self._prepared.popitem(last=False)
                future.cancel()

    def forget(self) -> None:
        """Drop every film prepared ahead (the patient left)."""
        with self._prepared_lock:
            for future in self._prepared.values():
                future.cancel()
            self._prepared.clear()

    @staticmethod
    def _key(exam: Exam) -> tuple[object, ...]:
        return (exam.study_uid, exam.images, exam.key_objects, exam.presentation_states)

    @property
    def film_config(self) -> film.FilmConfig:
        options = self.film_options
        return options.config or film.FilmConfig(size=options.size, dpi=options.dpi)

    def film_plan(self, exam: Exam) -> film.FilmPlan | None:
        """The exam's film plan made from its images' headers and its key object selections
        and presentation states, without fetching any pixels; None when the source cannot
        give headers cheaply.

        Raises:
            KioskError: the source could not answer, or the study's data is wrong.
        """
        headers = self.catalog.image_headers(exam)
        if headers is None:
            return None
        objects = self.catalog.film_objects(exam)
        return film.plan_exam([*headers, *objects], self.film_config.rules)

    def sheets(self, exam: Exam) -> list[FilmSheet]:
        """The exam's film sheets, as the radiologist chose them where the study says so.

        Only the images the plan prints are fetched, in print order (a 600-slice CT whose
        plan prints 20 fetches 20): the plan is made from headers, then filled with the full
        images. A source without cheap headers has every image fetched and planned.
        """
        with self._prepared_lock:
            prepared = self._prepared.pop(self._key(exam), None)
        if prepared is not None:
            try:
                return prepared.result()
            except Exception as exc:  # composed again below, so the error is this call's own
                log.info("the film prepared ahead failed (%s); composing it again", exc)
        return self._compose(exam)

    def _compose(self, exam: Exam) -> list[FilmSheet]:
        config = self.film_config
        plan = self.film_plan(exam)
        if plan is None:
            objects = self.catalog.film_objects(exam)
            return film.compose_exam([*self.catalog.image_datasets(exam), *objects], config)
        return self._fetch_and_compose(exam, plan)

    def _fetch_and_compose(self, exam: Exam, plan: film.FilmPlan) -> list[FilmSheet]:
        """Fetch the plan's images a sheet at a time, the first sheet's first, while the sheet
        before is composed: decoding and composing overlap with fetching. Sheets are composed
        exactly as the whole plan at once would be (a chunk is a whole sheet)."""
        config = self.film_config
        by_uid = {ref.sop_uid: ref for ref in exam.images}
        capacity = plan.layout.capacity
        chunks = [plan.frames[i : i + capacity] for i in range(0, len(plan.frames), capacity)]
        fetched: dict[str, Dataset] = {}

        def fetch(chunk: Sequence[tuple[Dataset, int]]) -> dict[str, Dataset]:
            uids = dict.fromkeys(str(ds.get("SOPInstanceUID", "")) for ds, _ in chunk)
            refs = [by_uid[uid] for uid in uids if uid in by_uid and uid not in fetched]
            datasets = self.catalog.image_datasets(exam, refs) if refs else []
            return {str(ds.get("SOPInstanceUID", "")): ds for ds in datasets}

        sheets: list[FilmSheet] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="film-fetch") as fetcher:
            ahead: Future[dict[str, Dataset]] = fetcher.submit(fetch, chunks[0])
            for number, chunk in enumerate(chunks):
                fetched.update(ahead.result())
                if number + 1 < len(chunks):
                    ahead = fetcher.submit(fetch, chunks[number + 1])
                part = dataclasses.replace(plan, frames=tuple(chunk))
                sheets += film.compose_plan(part.with_datasets(fetched), config)
                # what later sheets do not show again need not stay in memory
                later = {str(ds.get("SOPInstanceUID", "")) for c in chunks[number + 1 :]
                         for ds, _ in c}  # fmt: skip
                for uid in [uid for uid in fetched if uid not in later]:
                    del fetched[uid]
        return sheets

    def report(self, exam: Exam) -> bytes:
        """The exam's report as a PDF."""
        return self.catalog.report_pdf(exam)

    def recompose(
        self, kind: ItemKind, study_uid: str, accession: str, patient_id: str
    ) -> list[FilmSheet] | bytes:
        """An item's content made again from its study, as it was first made (after a restart).

        The study is found again by what the job recorded, and must still belong to the same
        patient. Raises BadStudyDataError when it cannot be found.
        """
        if accession:
            credential = Credential(CredentialKind.ACCESSION, accession)
        else:
            credential = Credential(CredentialKind.PATIENT_ID, patient_id)
        exams = [e for e in self.catalog.exams_for(credential) if e.study_uid == study_uid]
        if not exams or exams[0].patient_id != patient_id or exams[0].unavailable:
            raise BadStudyDataError(detail="the exam of this job cannot be found again")
        exam = exams[0]
        return self.report(exam) if kind is ItemKind.REPORT else self.sheets(exam)
