"""The one error the film engine raises."""

from __future__ import annotations

from kiosk_app.core.errors import KioskError


class FilmError(KioskError):
    """A film sheet or a frame could not be produced from the given images."""

    message_id = "film.compose_failed"


def brief(exc: BaseException) -> str:
    """One line of at most 200 characters saying what went wrong."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
