"""The screens' language at run time: one QTranslator, loaded from ``assets/i18n``, and ``tr``.

:func:`install_translator` puts the chosen locale's ``.qm`` on the application in place of the
previous one; Qt then sends every window a ``LanguageChange`` event (the kiosk window redraws its
screens on it). :func:`tr` is how the screens get a sentence:
``QCoreApplication.translate("kiosk", id)``, with the parameters filled in afterwards. A missing
``.qm``, or one without an id, does not leave a patient with a bare message id: the catalogue's
sentence is shown, and a WARNING (once per file) says which file to regenerate.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QTranslator

from kiosk_app.core import messages
from kiosk_app.ui.translations import CONTEXT, I18N_DIR, UPDATE_COMMAND, qm_path

log = logging.getLogger(__name__)


class _Installed:
    """The translator on the application now, and the files already warned about."""

    def __init__(self) -> None:
        self.locale = messages.DEFAULT_LOCALE
        self.path: Path | None = None
        self.translator: QTranslator | None = None
        self.warned: set[Path] = set()
        self.lock = threading.Lock()  # tr runs on worker threads too (error texts)

    def warn_once(self, path: Path, message: str, *args: object) -> None:
        with self.lock:
            if path in self.warned:
                return
            self.warned.add(path)
        log.warning(message, *args)


_installed = _Installed()


def install_translator(locale: str, directory: Path | None = None) -> bool:
    """Make ``locale`` the screens' language (``kiosk_<locale>.qm`` from ``directory``, by
    default :data:`I18N_DIR`).

    Returns whether its translation file was loaded; without it the screens show the
    catalogue's sentences. Every window is told (``QEvent.LanguageChange``) either way.
    """
    app = QCoreApplication.instance()
    path = qm_path(locale, I18N_DIR if directory is None else directory)
    translator = QTranslator()
    loaded = translator.load(str(path))
    if not loaded:
        _installed.warn_once(
            path, "translation file %s not loaded: the screens show the catalogue's text (%s)",
            path, UPDATE_COMMAND,
        )  # fmt: skip
    previous = _installed.translator
    _installed.locale = locale
    _installed.path = path if loaded else None
    _installed.translator = translator if loaded else None
    if app is None:
        return loaded
    if previous is not None:
        app.removeTranslator(previous)
    if loaded:
        app.installTranslator(translator)
    else:  # Qt says nothing when no translator came or went: tell the windows ourselves
        QCoreApplication.sendEvent(app, QEvent(QEvent.Type.LanguageChange))
    return loaded


def current_locale() -> str:
    """The locale last installed (the catalogue's default before any)."""
    return _installed.locale


def tr(message_id: str, **params: object) -> str:
    """The sentence ``message_id`` in the installed language, ``params`` filled in.

    As :func:`kiosk_app.core.messages.text`: parameters it does not use are ignored, ones it
    uses but are not given are left blank, and an unknown id is shown as itself.
    """
    template = QCoreApplication.translate(CONTEXT, message_id)
    if template != message_id:
        try:
            return messages.fill(template, **params)
        except (ValueError, LookupError, AttributeError):  # a translator broke a {placeholder}
            _missing(message_id, "cannot be filled in")
    elif message_id in messages.message_ids():
        _missing(message_id, "is missing")
    return messages.text(message_id, _installed.locale, **params)


def _missing(message_id: str, what: str) -> None:
    path = _installed.path
    if path is not None:  # no file at all was warned about when it was installed
        _installed.warn_once(
            path, "%s: the translation of %s %s: the screens show the catalogue's text (%s)",
            path, message_id, what, UPDATE_COMMAND,
        )  # fmt: skip
