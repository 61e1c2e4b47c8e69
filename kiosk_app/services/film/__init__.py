"""The film engine: DICOM images to film sheets for the film printer.

- :mod:`.pipeline`: one frame's pixels to 8-bit display values (modality LUT, VOI, presentation,
  colour to luminance), through cached lookup tables.
- :mod:`.layout`: film sizes, display formats, cells, fitting and resampling.
- :mod:`.annotate`: patient, study, window, scale bar and orientation text on each image.
- :mod:`.sheets`: frames laid out and annotated on sheets.
- :mod:`.plan`: which images of an exam go on film; :mod:`.exam`: plan and compose from settings.
- :mod:`.presentation`: Grayscale Softcopy Presentation States applied to the frames they name;
  :mod:`.graphics`: the marks they draw, where image coordinates land on the sheet.
"""

from kiosk_app.services.film.annotate import AnnotationOptions
from kiosk_app.services.film.errors import FilmError
from kiosk_app.services.film.exam import FilmConfig, compose_exam, compose_plan
from kiosk_app.services.film.layout import (
    AUTO_LAYOUTS,
    FILM_SIZES,
    DisplayFormat,
    cell_boxes,
    parse_display_format,
    parse_layout,
)
from kiosk_app.services.film.pipeline import (
    VOI_FUNCTIONS,
    Rendered,
    Window,
    display_frame,
    parse_window,
    pixel_aspect,
    render_frame,
)
from kiosk_app.services.film.plan import FilmPlan, PlanRules, PlanSource, plan_exam
from kiosk_app.services.film.sheets import compose_sheets

__all__ = [
    "AUTO_LAYOUTS",
    "FILM_SIZES",
    "VOI_FUNCTIONS",
    "AnnotationOptions",
    "DisplayFormat",
    "FilmConfig",
    "FilmError",
    "FilmPlan",
    "PlanRules",
    "PlanSource",
    "Rendered",
    "Window",
    "cell_boxes",
    "compose_exam",
    "compose_plan",
    "compose_sheets",
    "display_frame",
    "parse_display_format",
    "parse_layout",
    "parse_window",
    "pixel_aspect",
    "plan_exam",
    "render_frame",
]
