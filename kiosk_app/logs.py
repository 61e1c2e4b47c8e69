"""Logging: per-module loggers, a rotating file and the console, and no patient data above DEBUG.

Code logs patient identifiers only through :func:`patient_ref`, which gives a short, stable hash
(the same patient gives the same ``pt-…`` in every line, so staff can follow one visit without
reading who it was). As a second line of defence, :class:`RedactingFilter` masks anything that
looks like a national ID number in records above DEBUG, and both formats mask the same in
exception messages and tracebacks.

Two formats (``[logs] format``): ``text``, one readable line per record, and ``json``, one JSON
object per line with Elastic Common Schema field names for the centre's ELK or Loki:
``@timestamp`` (UTC, milliseconds), ``log.level``, ``log.logger``, ``message``, ``kiosk.id``,
``process.pid``, ``ecs.version``; ``event.action`` when the call names one with
``extra={"event_action": "..."}`` (dotted, ``area.what``, e.g. ``visit.printed``); for an
exception ``error.type``, ``error.message`` and ``error.stack_trace``. Both formats see a record
after the same :class:`RedactingFilter`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import logging.handlers
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_SALT = b"film-kiosk/patient-ref/v1"
ECS_VERSION = "8.11.0"
#: ``extra={EVENT_ACTION: "visit.printed"}`` gives a record its ``event.action``.
EVENT_ACTION = "event_action"

# 18-digit resident ID numbers (last may be X), and 15-digit first-generation ones.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def patient_ref(value: str) -> str:
    """A short stable hash of a patient identifier or name, safe for INFO logs."""
    digest = hashlib.blake2s(value.strip().encode("utf-8"), key=_SALT, digest_size=4)
    return "pt-" + digest.hexdigest()


def redact(text: str) -> str:
    """``text`` with every ID-number-like digit run replaced by its :func:`patient_ref`."""
    return _ID_NUMBER.sub(lambda m: patient_ref(m.group(0)), text)


class RedactingFilter(logging.Filter):
    """Masks ID-number-like digit runs in records above DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            message = record.getMessage()
            redacted = redact(message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


class TextFormatter(logging.Formatter):
    """:data:`LOG_FORMAT`, tracebacks masked like messages."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached its own, unmasked traceback text on the record.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return redact(super().formatException(ei))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line, with ECS field names."""

    def __init__(self, kiosk_id: str) -> None:
        super().__init__()
        self.kiosk_id = kiosk_id

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, tz=UTC)
        doc: dict[str, Any] = {
            "@timestamp": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "log.level": record.levelname,
            "log.logger": record.name,
            "message": record.getMessage(),
            "kiosk.id": self.kiosk_id,
            "process.pid": record.process,
            "ecs.version": ECS_VERSION,
        }
        action = getattr(record, EVENT_ACTION, None)
        if action:
            doc["event.action"] = str(action)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            doc["error.type"] = type(exc).__qualname__
            doc["error.message"] = redact(str(exc))
            doc["error.stack_trace"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            doc["log.origin.stack_trace"] = redact(self.formatStack(record.stack_info))
        return json.dumps(doc, ensure_ascii=False, default=str)


class KioskFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file. A record it cannot write (the data disk is full) is counted and
    said once on stderr in one line, never with logging's traceback, which would otherwise
    follow every record; once it writes again, its first line says how many were lost."""

    def __init__(self, filename: Path, max_bytes: int, backup_count: int) -> None:
        super().__init__(filename, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
        self.lost = 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.lost:  # first, if it can write again, how many were lost
            lost = self.lost
            note = logging.LogRecord(
                __name__, logging.WARNING, __file__, 0,
                "%d log record(s) were lost: the log file could not be written", (lost,), None,
            )  # fmt: skip
            super().emit(note)
            self.lost = 0 if self.lost == lost else lost  # the note itself is no lost record
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
            return
        self.lost += 1
        if self.lost == 1:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(
                    f"kiosk: cannot write the log file {self.baseFilename} "
                    f"({error.strerror or error}); its records are lost until it can\n"
                )


def configure(
    level: str = "INFO",
    log_dir: Path | None = None,
    console: bool = False,
    *,
    fmt: Literal["text", "json"] = "text",
    kiosk_id: str = "",
) -> None:
    """Set up the root logger for the program (idempotent).

    The rotating file gets ``level`` and above. The console gets the same only when asked
    (``kiosk -v``, ``kiosk run``): a subcommand's stderr is kept to its one-line verdict.
    ``fmt``: ``text`` or ``json`` (with ``kiosk_id`` in every line), for file and console.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    # pydicom logs every decoder plugin that fails at ERROR with a traceback, even when the
    # next plugin succeeds; the film engine raises its own clear error when all of them fail.
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    formatter = JsonFormatter(kiosk_id) if fmt == "json" else TextFormatter()
    redact = RedactingFilter()
    handlers: list[logging.Handler] = []
    if console:
        stream = logging.StreamHandler(sys.stderr)
        handlers.append(stream)
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            file_handler = KioskFileHandler(log_dir / "kiosk.log", 5_000_000, 5)
        except OSError as exc:
            logging.getLogger(__name__).warning("log file in %s not writable: %s", log_dir, exc)
        else:
            handlers.append(file_handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redact)
        handler._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
