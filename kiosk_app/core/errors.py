"""Errors the kiosk raises, each carrying a stable message id from the catalogue."""

from __future__ import annotations

from kiosk_app.core import messages


class KioskError(Exception):
    """Base of every error a user may be told about.

    ``message_id`` picks the sentence from the catalogue; ``params`` fill it in. ``str(exc)`` is
    the English sentence, for operators and logs; patients see ``exc.text(locale)``. Params must
    never hold patient names or ID numbers: they end up in log lines.
    """

    message_id = "kiosk.error"
    exit_code = 1

    def __init__(self, message_id: str | None = None, **params: object) -> None:
        if message_id is not None:
            self.message_id = message_id
        self.params = params
        super().__init__(messages.text(self.message_id, "en", **params))

    def text(self, locale: str = messages.DEFAULT_LOCALE) -> str:
        return messages.text(self.message_id, locale, **self.params)


class UnknownCodeError(KioskError):
    """The code is not any kind of credential the kiosk accepts."""

    message_id = "code.unknown"
    exit_code = 4


class NoExamsError(KioskError):
    """The code was valid but the catalog has no exams for it."""

    message_id = "exam.none_found"
    exit_code = 4


class CloudError(KioskError):
    """The imaging cloud could not be reached or answered with an error."""

    message_id = "cloud.error"


class CloudUnavailableError(CloudError):
    """No answer from the cloud: refused, timed out, name not resolved."""

    message_id = "cloud.unreachable"
    exit_code = 5


class StorageFullError(KioskError):
    """The kiosk's data disk has no room: what it would have to record (a print job, a
    delivery) cannot be written, so it does nothing it could not record."""

    message_id = "storage.full"
    exit_code = 7


class BadStudyDataError(KioskError):
    """The cloud's data for an exam cannot be used (missing or damaged)."""

    message_id = "cloud.bad_data"


class NotAvailableError(KioskError):
    """A capability this version does not have yet."""

    message_id = "feature.not_available"
    exit_code = 3
