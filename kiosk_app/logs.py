"""Logging: per-module loggers, a rotating file and the console, and no patient data above DEBUG.

Code logs patient identifiers only through :func:`patient_ref`, which gives a short, stable hash
(the same patient gives the same ``pt-…`` in every line, so staff can follow one visit without
reading who it was). As a second line of defence, :class:`RedactingFilter` masks anything that
looks like a national ID number in records above DEBUG.
"""

from __future__ import annotations

import hashlib
import logging
import logging.handlers
import re
import sys
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_SALT = b"film-kiosk/patient-ref/v1"

# 18-digit resident ID numbers (last may be X), and 15-digit first-generation ones.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def patient_ref(value: str) -> str:
    """A short stable hash of a patient identifier or name, safe for INFO logs."""
    digest = hashlib.blake2s(value.strip().encode("utf-8"), key=_SALT, digest_size=4)
    return "pt-" + digest.hexdigest()


class RedactingFilter(logging.Filter):
    """Masks ID-number-like digit runs in records above DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            message = record.getMessage()
            redacted = _ID_NUMBER.sub(lambda m: patient_ref(m.group(0)), message)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


def configure(level: str = "INFO", log_dir: Path | None = None, console: bool = False) -> None:
    """Set up the root logger for the program (idempotent).

    The rotating file gets ``level`` and above. The console gets the same only when asked
    (``kiosk -v``, ``kiosk run``): a subcommand's stderr is kept to its one-line verdict.
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
    formatter = logging.Formatter(LOG_FORMAT)
    redact = RedactingFilter()
    handlers: list[logging.Handler] = []
    if console:
        stream = logging.StreamHandler(sys.stderr)
        handlers.append(stream)
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            file_handler = logging.handlers.RotatingFileHandler(
                log_dir / "kiosk.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
            )
        except OSError as exc:
            logging.getLogger(__name__).warning("log file in %s not writable: %s", log_dir, exc)
        else:
            handlers.append(file_handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redact)
        handler._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
