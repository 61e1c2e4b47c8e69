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
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from pydicom import Dataset
from pydicom.uid import UID

from drivers.base import FilmSheet
from kiosk_app.core.errors import BadStudyDataError
from kiosk_app.core.models import Credential, CredentialKind, Exam, ItemKind
from kiosk_app.services import film
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.film import decoding
from kiosk_app.services.filmstream import FilmStream

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
        self._prepared: OrderedDict[tuple[object, ...], Future[FilmStream]] = OrderedDict()
        self._prepared_lock = threading.Lock()
        self._preparer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="film-prepare")

    def prepare(self, exam: Exam) -> None:
        """Start composing the exam's film in the background (``prepare_ahead``), while the
        patient reads the confirmation screen: :meth:`film_stream` then hands it over,
        composed or still being composed. What is not confirmed is dropped when the next films
        are prepared or :meth:`forget`."""
        if not self.prepare_ahead:
            return
        key = self._key(exam)
        with self._prepared_lock:
            if key in self._prepared:
                return
            self._prepared[key] = self._preparer.submit(self._stream, exam)
            while len(self._prepared) > self.PREPARED:
                _old, future = self._prepared.popitem(last=False)
                _drop(future)

    def forget(self) -> None:
        """Drop every film prepared ahead (the patient left)."""
        with self._prepared_lock:
            for future in self._prepared.values():
                _drop(future)
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
        """The exam's film sheets, as the radiologist chose them where the study says so,
        once all are composed (:meth:`film_stream` hands them over as they are made)."""
        return self.film_stream(exam).all()

    def film_stream(self, exam: Exam) -> FilmStream:
        """The exam's film, its sheets handed over as they are composed, the first first.

        Only the images the plan prints are fetched, in print order (a 600-slice CT whose
        plan prints 20 fetches 20): the plan is made from headers, then filled with the full
        images. A source without cheap headers has every image fetched and planned.

        Raises:
            KioskError: the plan could not be made (the source, the study's data).
        """
        with self._prepared_lock:
            prepared = self._prepared.pop(self._key(exam), None)
        if prepared is not None:
            try:
                stream = prepared.result()
                stream.sheet(0)  # a film whose first sheet failed is composed again
                return stream
            except Exception as exc:  # composed again below, so the error is this call's own
                log.info("the film prepared ahead failed (%s); composing it again", exc)
        return self._stream(exam)

    def _stream(self, exam: Exam) -> FilmStream:
        config = self.film_config
        plan = self.film_plan(exam)
        if plan is None:
            objects = self.catalog.film_objects(exam)
            sheets = film.compose_exam([*self.catalog.image_datasets(exam), *objects], config)
            return FilmStream.of(sheets)
        return FilmStream.start(
            len(_sheet_chunks(plan)),
            lambda emit, cancelled: self._compose(exam, plan, emit, cancelled),
        )

    def _compose(
        self,
        exam: Exam,
        plan: film.FilmPlan,
        emit: Callable[[FilmSheet], None],
        cancelled: Callable[[], bool],
    ) -> None:
        """Fetch the plan's images in print order, the first sheet's first, while sheets are
        composed: decoding and composing overlap with fetching. Sheets are composed exactly
        as the whole plan at once would be (a chunk is a whole sheet).

        The first sheet is handed over only when every image of the film is in hand and
        readable (:func:`_check_in_hand`): a film that cannot be completed for want of an
        image starts no print. Later sheets follow as they are composed."""
        config = self.film_config
        by_uid = {ref.sop_uid: ref for ref in exam.images}
        chunks = _sheet_chunks(plan)

        def fetch(uids: Sequence[str]) -> dict[str, Dataset]:
            if cancelled():
                return {}
            refs = [by_uid[uid] for uid in uids if uid in by_uid]
            datasets = self.catalog.image_datasets(exam, refs) if refs else []
            return {str(ds.get("SOPInstanceUID", "")): ds for ds in datasets}

        wanted: list[list[str]] = []
        seen: set[str] = set()
        for chunk in chunks:  # an image on two sheets (frames of one file) is fetched once
            uids = dict.fromkeys(str(ds.get("SOPInstanceUID", "")) for ds, _ in chunk)
            wanted.append([uid for uid in uids if uid not in seen])
            seen.update(uids)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="film-fetch") as fetcher:
            # one fetcher, so chunks arrive in print order; all are asked for at once
            ahead = [fetcher.submit(fetch, uids) for uids in wanted]
            try:
                fetched: dict[str, Dataset] = {}
                for number, chunk in enumerate(chunks):
                    if cancelled():
                        return
                    if number == 0:  # the first sheet's images; the rest join once it is composed
                        fetched.update(ahead[0].result())
                    part = dataclasses.replace(plan, frames=tuple(chunk))
                    (sheet,) = film.compose_plan(part.with_datasets(fetched), config)
                    if number == 0:
                        for future in ahead[1:]:
                            fetched.update(future.result())
                        _check_in_hand(plan, fetched)
                    emit(sheet)
                    # what later sheets do not show again need not stay in memory
                    later = {str(ds.get("SOPInstanceUID", "")) for c in chunks[number + 1 :]
                             for ds, _ in c}  # fmt: skip
                    for uid in [uid for uid in fetched if uid not in later]:
                        del fetched[uid]
            finally:
                for future in ahead:
                    future.cancel()

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


def _drop(future: Future[FilmStream]) -> None:
    """Stop a film prepared ahead, whether or not its composing has started."""
    if not future.cancel() and future.done() and future.exception() is None:
        future.result().cancel()


def _sheet_chunks(plan: film.FilmPlan) -> list[tuple[tuple[Dataset, int], ...]]:
    """The plan's frames a sheet at a time, in print order."""
    capacity = plan.layout.capacity
    return [plan.frames[i : i + capacity] for i in range(0, len(plan.frames), capacity)]


def _check_in_hand(plan: film.FilmPlan, fetched: dict[str, Dataset]) -> None:
    """Raise FilmError unless every image the film shows was fetched with pixel data that a
    decoder of the chain reads (the header only: decoding is what composing does)."""
    for header, _frame in plan.frames:
        uid = str(header.get("SOPInstanceUID", ""))
        ds = fetched.get(uid)
        if ds is None:
            raise film.FilmError(detail="an image of the film plan could not be fetched")
        if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
            raise film.FilmError(detail="an image of the film plan has no pixel data")
        file_meta = getattr(ds, "file_meta", None)
        syntax = file_meta.get("TransferSyntaxUID") if file_meta is not None else None
        if not syntax:
            continue
        syntax = UID(str(syntax))
        if syntax.is_compressed and decoding.decoder_for(syntax) is None:
            raise film.FilmError(
                detail=f"no decoder installed reads {syntax.name} ({syntax}), an image's syntax"
            )
