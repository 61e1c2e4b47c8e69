"""Film plans: which images of an exam go on film, and in which display format.

In order of preference:

1. **Pre-composed film sheets** stored in the study (hardcopy images, or secondary captures
   marked as films) are printed 1:1, one per sheet, without further annotation.
2. Else the **key images** of the study's Key Object Selection documents, in each document's
   order (documents in the order given). A document titled *For Printing* or *For Patient*
   (DCM 113018, 113007) is preferred over the others; those titled for teaching, research or
   peer review are not the patient's film. An IHE rejection note (*Rejected for Quality
   Reasons*, *Rejected for Patient Safety Reasons*, *Incorrect Modality Worklist Entry*, *Data
   Retention Policy Expired*) is no key image selection: the images it names are left out of
   every plan, as if the archive had already deleted them.
3. Else the **default plan** for the exam's main modality (``[film] plans``): for CT, MR, PT
   and NM evenly spaced slices of the main series (the series with the most images,
   localizers left out); for other modalities every image, in series and instance order.

A sheet cap per exam applies to all three; what it leaves off is counted and logged. Whichever
plan chose a frame, the Grayscale Softcopy Presentation States among the exam's objects that
reference it say how it is shown (:mod:`.presentation`: VOI, rotation and flip, displayed area,
shutters, graphic annotations): the state a KOS names for the image, else one a KOS names, else
the latest. :attr:`FilmPlan.presentations` carries them by (SOP Instance UID, frame). When a
plan's images fill less than one sheet, the smallest standard grid that holds them is used
(three CT slices print 2x2, not lost in a 4x5).
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from pydicom.dataset import Dataset

from kiosk_app.services.film.errors import FilmError
from kiosk_app.services.film.layout import DisplayFormat, parse_display_format
from kiosk_app.services.film.pipeline import frame_count
from kiosk_app.services.film.presentation import (
    PRESENTATION_STATE_PREFIX,
    Presentation,
    presentations,
)
from kiosk_app.services.film.sheets import Frame, auto_layout

logger = logging.getLogger(__name__)

KEY_OBJECT_SELECTION = "1.2.840.10008.5.1.4.1.1.88.59"
HARDCOPY_CLASSES = frozenset({"1.2.840.10008.5.1.1.29", "1.2.840.10008.5.1.1.30"})
SECONDARY_CAPTURE_CLASSES = frozenset(
    {"1.2.840.10008.5.1.4.1.1.7"} | {f"1.2.840.10008.5.1.4.1.1.7.{n}" for n in range(1, 5)}
)
CROSS_SECTIONAL = frozenset({"CT", "MR", "PT", "NM"})
# Key Object Selection document titles (DICOM CID 7010 and 7011, scheme DCM).
REJECTION_TITLES = frozenset({"113001", "113037", "113038", "113039"})
PREFERRED_TITLES = frozenset({"113018", "113007"})  # For Printing, For Patient
NOT_FOR_FILM_TITLES = frozenset({"113004", "113008", "113009"})  # teaching, peer review, research
_FILM_WORDS = re.compile(r"\bfilms?\b|胶片", re.IGNORECASE)

DEFAULT_PLANS = "CT=4x5 MR=4x5 PT=4x5 NM=4x5 CR=1x1 DX=1x1 MG=1x1 RF=1x1 XA=1x1 US=2x3"
"""The default per-modality display formats, as written in ``[film] plans``."""


class PlanSource(enum.Enum):
    """Where a film plan's images came from."""

    FILMS = "films"
    """Pre-composed film sheets stored in the study, printed 1:1."""
    KEY_IMAGES = "key_images"
    """The images a Key Object Selection document names."""
    DEFAULT = "default"
    """The per-modality default plan."""


def parse_plans(text: str) -> dict[str, DisplayFormat]:
    """``"CT=4x5 US=2x3"`` (spaces or semicolons between) into {modality: format}.

    Raises:
        ValueError: an entry that is not MODALITY=FORMAT.
    """
    plans: dict[str, DisplayFormat] = {}
    for entry in re.split(r"[\s;]+", text.strip()):
        if not entry:
            continue
        modality, sep, fmt = entry.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z]{2,3}", modality):
            raise ValueError(f"film plan {entry!r} should be MODALITY=LAYOUT, such as CT=4x5")
        plans[modality.upper()] = parse_display_format(fmt)
    return plans


@dataclass(frozen=True)
class PlanRules:
    """The per-modality defaults and the cap."""

    layouts: Mapping[str, DisplayFormat] = field(default_factory=lambda: parse_plans(DEFAULT_PLANS))
    other: DisplayFormat = field(default_factory=lambda: DisplayFormat.standard(3, 4))
    """For modalities without an entry in ``layouts``."""
    slice_sheets: int = 1
    """Sheets of evenly spaced slices for CT, MR, PT and NM."""
    max_sheets: int = 4
    """At most this many sheets per exam."""

    def layout_for(self, modality: str) -> DisplayFormat:
        return self.layouts.get(modality.upper(), self.other)


@dataclass(frozen=True)
class FilmPlan:
    """What to print for one exam."""

    source: PlanSource
    frames: tuple[Frame, ...]
    layout: DisplayFormat
    annotate: bool
    """False for pre-composed films: they carry their own text."""
    left_off: int = 0
    """Images the sheet cap (or slice sampling) kept off the film."""
    presentations: Mapping[tuple[str, int], Presentation] = field(default_factory=dict)
    """{(SOP Instance UID, frame index): how a presentation state shows that frame}."""

    @property
    def sheets(self) -> int:
        return -(-len(self.frames) // self.layout.capacity)

    def instance_uids(self) -> list[str]:
        """The SOP Instance UIDs of the images printed, once each, in print order: what to
        fetch in full when the plan was made from headers."""
        return list(dict.fromkeys(str(ds.get("SOPInstanceUID", "")) for ds, _ in self.frames))

    def with_datasets(self, datasets: Mapping[str, Dataset]) -> FilmPlan:
        """The same plan over other datasets of the same instances (by SOP Instance UID):
        the full images in place of the headers the plan was made from.

        Raises:
            FilmError: an instance of the plan is not among ``datasets``.
        """
        frames = []
        for ds, frame in self.frames:
            full = datasets.get(str(ds.get("SOPInstanceUID", "")))
            if full is None:
                raise FilmError(detail="an image of the film plan could not be fetched")
            frames.append((full, frame))
        return replace(self, frames=tuple(frames))


def plan_exam(datasets: Sequence[Dataset], rules: PlanRules | None = None) -> FilmPlan:
    """The images of an exam for film (see the module docstring), with the presentation
    states among ``datasets`` that apply to them (:mod:`.presentation`).

    Raises:
        FilmError: the exam has no image that could go on film.
    """
    plan = _choose(datasets, rules)
    chosen, named = kos_presentation_states(datasets)
    found = presentations(datasets, plan.frames, chosen, named)
    if not found:
        return plan
    logger.info("film plan: %d image(s) shown as presentation states say", len(found))
    return dataclasses.replace(plan, presentations=found)


def _choose(datasets: Sequence[Dataset], rules: PlanRules | None = None) -> FilmPlan:
    """Choose the images of an exam for film (see the module docstring).

    Raises:
        FilmError: the exam has no image that could go on film.
    """
    rules = rules or PlanRules()
    rejected = rejected_images(datasets)
    images = [
        ds for ds in datasets
        if _has_pixels(ds) and str(ds.get("SOPInstanceUID", "")) not in rejected
    ]  # fmt: skip
    if rejected:
        logger.info("film plan: %d image(s) left out by a rejection note", len(rejected))
    films = [ds for ds in images if is_film_sheet(ds)]
    if films:
        return _capped(PlanSource.FILMS, _frames(_in_order(films)),
                       DisplayFormat.standard(1, 1), False, rules)  # fmt: skip
    key_frames = key_images(datasets, images)
    if key_frames:
        layout = rules.layout_for(str(key_frames[0][0].get("Modality", "")))
        return _capped(PlanSource.KEY_IMAGES, key_frames, layout, True, rules)
    if not images:
        raise FilmError(detail="the exam has no images to put on film")
    modality = _main_modality(images)
    layout = rules.layout_for(modality)
    chosen = [ds for ds in images if str(ds.get("Modality", "")).upper() == modality]
    if modality in CROSS_SECTIONAL:
        series = _main_series(chosen)
        frames = _frames(_in_order(series))
        wanted = layout.capacity * max(1, rules.slice_sheets)
        left_off = max(0, len(frames) - wanted)
        if left_off:
            picks = np.unique(np.rint(np.linspace(0, len(frames) - 1, wanted)).astype(int))
            frames = [frames[i] for i in picks]
        return _capped(PlanSource.DEFAULT, frames, layout, True, rules, left_off)
    return _capped(PlanSource.DEFAULT, _frames(_in_order(chosen)), layout, True, rules)


def is_film_sheet(ds: Dataset) -> bool:
    """A hardcopy image, or a secondary capture marked as a film sheet."""
    sop_class = str(ds.get("SOPClassUID", ""))
    if sop_class in HARDCOPY_CLASSES:
        return True
    if sop_class not in SECONDARY_CAPTURE_CLASSES:
        return False
    image_type = [str(v).upper() for v in (ds.get("ImageType") or [])]
    if "FILM" in image_type:
        return True
    words = " ".join(
        str(ds.get(k, "") or "") for k in ("SeriesDescription", "DerivationDescription")
    )
    return bool(_FILM_WORDS.search(words))


def document_title(kos: Dataset) -> str:
    """The code value of a Key Object Selection document's title (its Concept Name)."""
    for code in kos.get("ConceptNameCodeSequence") or []:
        return str(code.get("CodeValue", "") or "").strip()
    return ""


def rejected_images(datasets: Sequence[Dataset]) -> set[str]:
    """SOP Instance UIDs that a rejection note among ``datasets`` names."""
    return {
        uid
        for kos in datasets
        if str(kos.get("SOPClassUID", "")) == KEY_OBJECT_SELECTION
        and document_title(kos) in REJECTION_TITLES
        for uid, _ in _references(kos)
    }


def key_images(datasets: Sequence[Dataset], images: Sequence[Dataset]) -> list[Frame]:
    """The (dataset, frame) pairs that Key Object Selection documents name, in their order
    (see the module docstring for which documents count)."""
    by_uid = {str(ds.get("SOPInstanceUID", "")): ds for ds in images}
    frames: list[Frame] = []
    seen: set[tuple[str, int]] = set()
    selections = [
        kos for kos in datasets
        if str(kos.get("SOPClassUID", "")) == KEY_OBJECT_SELECTION
        and document_title(kos) not in REJECTION_TITLES | NOT_FOR_FILM_TITLES
    ]  # fmt: skip
    preferred = [kos for kos in selections if document_title(kos) in PREFERRED_TITLES]
    for kos in preferred or selections:
        for uid, numbers in _references(kos):
            ds = by_uid.get(uid)
            if ds is None:
                logger.warning("a key image is not among the exam's images; left out")
                continue
            count = frame_count(ds)
            indices = [n - 1 for n in numbers if 1 <= n <= count] or range(count)
            for index in indices:
                if (uid, index) not in seen:
                    seen.add((uid, index))
                    frames.append((ds, index))
    return frames


def _references(kos: Dataset) -> list[tuple[str, list[int]]]:
    """Referenced instances of a KOS: its IMAGE content items, else its evidence."""
    found: list[tuple[str, list[int]]] = []
    for item in kos.get("ContentSequence") or []:
        if str(item.get("ValueType", "")).upper() != "IMAGE":
            continue
        for ref in item.get("ReferencedSOPSequence") or []:
            found.append((str(ref.get("ReferencedSOPInstanceUID", "")), _numbers(ref)))
    if found:
        return found
    for study in kos.get("CurrentRequestedProcedureEvidenceSequence") or []:
        for series in study.get("ReferencedSeriesSequence") or []:
            for ref in series.get("ReferencedSOPSequence") or []:
                if not _is_state_reference(ref):  # presentation states are not key images
                    found.append((str(ref.get("ReferencedSOPInstanceUID", "")), _numbers(ref)))
    return found


def kos_presentation_states(datasets: Sequence[Dataset]) -> tuple[dict[str, str], frozenset[str]]:
    """The presentation states Key Object Selection documents name.

    Returns:
        ({image SOP Instance UID: the state named for that image}, every state named): an
        IMAGE item may name the state to show its image with (a Referenced SOP Sequence inside
        its reference, PS3.3 Image Reference Macro); COMPOSITE items and the evidence name
        states for the document's images in general.
    """
    chosen: dict[str, str] = {}
    named: set[str] = set()
    for kos in datasets:
        if str(kos.get("SOPClassUID", "")) != KEY_OBJECT_SELECTION:
            continue
        for item in kos.get("ContentSequence") or []:
            kind = str(item.get("ValueType", "")).upper()
            for ref in item.get("ReferencedSOPSequence") or []:
                if kind == "COMPOSITE" and _is_state_reference(ref):
                    named.add(str(ref.get("ReferencedSOPInstanceUID", "")))
                if kind != "IMAGE":
                    continue
                for state in ref.get("ReferencedSOPSequence") or []:
                    if _is_state_reference(state):
                        state_uid = str(state.get("ReferencedSOPInstanceUID", ""))
                        chosen.setdefault(str(ref.get("ReferencedSOPInstanceUID", "")), state_uid)
                        named.add(state_uid)
        for study in kos.get("CurrentRequestedProcedureEvidenceSequence") or []:
            for series in study.get("ReferencedSeriesSequence") or []:
                for ref in series.get("ReferencedSOPSequence") or []:
                    if _is_state_reference(ref):
                        named.add(str(ref.get("ReferencedSOPInstanceUID", "")))
    return chosen, frozenset(named)


def _is_state_reference(ref: Dataset) -> bool:
    return str(ref.get("ReferencedSOPClassUID", "")).startswith(PRESENTATION_STATE_PREFIX)


def _numbers(ref: Dataset) -> list[int]:
    value = ref.get("ReferencedFrameNumber")
    if value in (None, ""):
        return []
    values = value if not isinstance(value, (str, int)) else [value]
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        return []


def _capped(
    source: PlanSource,
    frames: Sequence[Frame],
    layout: DisplayFormat,
    annotate: bool,
    rules: PlanRules,
    left_off: int = 0,
) -> FilmPlan:
    limit = layout.capacity * max(1, rules.max_sheets)
    if len(frames) > limit:
        left_off += len(frames) - limit
        frames = frames[:limit]
    if left_off:
        logger.warning(
            "film plan (%s) leaves %d image(s) off: %d sheet(s) of %s at most",
            source.value, left_off, rules.max_sheets, layout,
        )  # fmt: skip
    if layout.kind == "STANDARD" and len(frames) < layout.capacity:
        smaller = auto_layout(len(frames))
        if smaller.capacity <= layout.capacity:
            layout = smaller
    return FilmPlan(source, tuple(frames), layout, annotate, left_off)


def _has_pixels(ds: Dataset) -> bool:
    return any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"))


def _number(ds: Dataset, keyword: str) -> int:
    try:
        return int(ds.get(keyword))
    except (TypeError, ValueError):
        return 1 << 30


def _in_order(datasets: Sequence[Dataset]) -> list[Dataset]:
    return sorted(datasets, key=lambda ds: (_number(ds, "SeriesNumber"),
                                            _number(ds, "InstanceNumber")))  # fmt: skip


def _frames(datasets: Sequence[Dataset]) -> list[Frame]:
    return [(ds, frame) for ds in datasets for frame in range(frame_count(ds))]


def _main_modality(images: Sequence[Dataset]) -> str:
    counts: dict[str, int] = {}
    for ds in images:
        modality = str(ds.get("Modality", "")).upper()
        counts[modality] = counts.get(modality, 0) + 1
    return max(counts, key=lambda m: counts[m])  # first of the most frequent


def _main_series(images: Sequence[Dataset]) -> list[Dataset]:
    """The series with the most images, localizers and scouts left out."""
    slices = [
        ds for ds in images
        if "LOCALIZER" not in [str(v).upper() for v in (ds.get("ImageType") or [])]
    ] or list(images)  # fmt: skip
    series: dict[str, list[Dataset]] = {}
    for ds in slices:
        series.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append(ds)
    return max(series.values(), key=lambda members: sum(frame_count(d) for d in members))
