"""An exam's films from the kiosk's settings: plan the images, then compose the sheets."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydicom.dataset import Dataset

from drivers.base import FilmSheet
from kiosk_app.services.film.annotate import AnnotationOptions
from kiosk_app.services.film.layout import parse_display_format
from kiosk_app.services.film.plan import FilmPlan, PlanRules, parse_plans, plan_exam
from kiosk_app.services.film.sheets import compose_sheets

if TYPE_CHECKING:
    from kiosk_app.settings import FilmSection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FilmConfig:
    """Everything that shapes an exam's films (the ``[film]`` settings)."""

    size: str = "14INX17IN"
    dpi: int = 300
    landscape: bool = False
    margin_mm: float = 5.0
    gutter_mm: float = 2.0
    annotations: AnnotationOptions | None = field(default_factory=AnnotationOptions)
    """None: images only."""
    rules: PlanRules = field(default_factory=PlanRules)

    @classmethod
    def from_settings(cls, section: FilmSection, hospital_name: str = "") -> FilmConfig:
        """From ``settings.film`` (and ``settings.kiosk.hospital_name``)."""
        annotations = None
        if section.annotations:
            annotations = AnnotationOptions(
                patient_name=section.annotate_patient_name,
                mask_name=section.mask_patient_name,
                patient_id=section.annotate_patient_id,
                sex_age=section.annotate_sex_age,
                study_datetime=section.annotate_study_datetime,
                modality=section.annotate_modality,
                series_instance=section.annotate_series_instance,
                window=section.annotate_window,
                hospital=section.annotate_hospital,
                scale_bar=section.annotate_scale_bar,
                orientation=section.annotate_orientation,
                hospital_name=hospital_name,
                text_mm=section.text_mm,
            )
        rules = PlanRules(
            layouts=parse_plans(section.plans),
            other=parse_display_format(section.other_layout),
            slice_sheets=section.slice_sheets,
            max_sheets=section.max_sheets_per_exam,
        )
        return cls(
            size=section.size,
            dpi=section.dpi,
            landscape=section.orientation == "landscape",
            margin_mm=section.margin_mm,
            gutter_mm=section.gutter_mm,
            annotations=annotations,
            rules=rules,
        )


def compose_exam(datasets: Sequence[Dataset], config: FilmConfig | None = None) -> list[FilmSheet]:
    """The film sheets of one exam: its plan (films, key images or default), composed.

    Raises:
        FilmError: no image for film, or an image that cannot be rendered (no sheet then).
    """
    config = config or FilmConfig()
    return compose_plan(plan_exam(datasets, config.rules), config)


def compose_plan(plan: FilmPlan, config: FilmConfig | None = None) -> list[FilmSheet]:
    """The film sheets of a plan whose frames are full images (:meth:`FilmPlan.with_datasets`).

    Raises:
        FilmError: an image that cannot be rendered (no sheet then).
    """
    config = config or FilmConfig()
    sheets = compose_sheets(
        (),
        film_size_id=config.size,
        dpi=config.dpi,
        layout=plan.layout,
        margin_mm=config.margin_mm,
        gutter_mm=config.gutter_mm,
        landscape=config.landscape,
        annotations=config.annotations if plan.annotate else None,
        frames=plan.frames,
        presentations=plan.presentations,
    )
    logger.info(
        "film plan %s: %d image(s) on %d sheet(s) as %s%s",
        plan.source.value, len(plan.frames), len(sheets), plan.layout,
        f", {plan.left_off} left off" if plan.left_off else "",
    )  # fmt: skip
    return sheets
