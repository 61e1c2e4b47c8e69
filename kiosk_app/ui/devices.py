"""The kiosk's input devices, read on their own threads and handed to the screen as signals.

A scanner (USB HID with evdev, serial, or camera QR) and the ID card reader block while they
wait, so each gets a thread; what they read reaches the window through Qt signals, which Qt
queues onto the GUI thread. A device that fails is retried every few seconds, so unplugging and
replugging a scanner needs nobody. Only the ID number leaves the card-reading thread: the name,
address and photo on the card are dropped at once and never logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from drivers.errors import DriverError
from drivers.idcard.reader import IdCardReader
from drivers.scanner.base import Scanner
from kiosk_app.core.credentials import credential_from_card
from kiosk_app.core.errors import UnknownCodeError
from kiosk_app.ui.translator import tr

log = logging.getLogger(__name__)

RETRY_AFTER = 5.0
READ_TIMEOUT = 0.5


class DeviceReader(QObject):
    """Emits ``code_read`` for each scan or valid ID card, ``card_refused`` for a card whose
    number the kiosk cannot use (message id and the patient's sentence)."""

    code_read = Signal(str)
    card_refused = Signal(str, str)

    def __init__(
        self,
        scanner: Scanner | None,
        card_reader: IdCardReader | None,
        *,
        language: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.scanner = scanner
        self.card_reader = card_reader
        self.language = language
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if self.scanner is not None:
            self._spawn("scanner", self._scan_loop)
        if self.card_reader is not None:
            self._spawn("id-card-reader", self._card_loop)

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _scan_loop(self) -> None:
        scanner = self.scanner
        assert scanner is not None
        while not self._stop.is_set():
            try:
                with scanner:
                    while not self._stop.is_set():
                        scan = scanner.read(timeout=READ_TIMEOUT)
                        if scan is not None:
                            self.code_read.emit(scan.text)
            except DriverError as exc:
                log.warning("scanner not usable (%s: %s); retrying", exc.code, exc.detail)
                self._stop.wait(RETRY_AFTER)

    def _card_loop(self) -> None:
        reader = self.card_reader
        assert reader is not None
        while not self._stop.is_set():
            try:
                with reader:
                    while not self._stop.is_set():
                        card = reader.wait_for_card(timeout=READ_TIMEOUT)
                        if card is None:
                            continue
                        number = card.id_number
                        del card  # name, address and photo go no further
                        try:
                            credential = credential_from_card(number)
                        except UnknownCodeError as exc:
                            # in the screens' language now, not the one at start-up
                            self.card_refused.emit(exc.message_id, tr(exc.message_id, **exc.params))
                        else:
                            self.code_read.emit(credential.value)
            except DriverError as exc:
                log.warning("ID card reader not usable (%s: %s); retrying", exc.code, exc.detail)
                self._stop.wait(RETRY_AFTER)
