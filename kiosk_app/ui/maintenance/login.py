"""The staff login: staff id and PIN typed on an on-screen keypad, or a staff card read while it
shows; lockout after 5 failures (PINs and cards together)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from kiosk_app.core.pin import PinAnswer, PinGate
from kiosk_app.ui.bridge import Worker
from kiosk_app.ui.screens.common import WrappingRow, button, label
from kiosk_app.ui.screens.keypad import Keypad
from kiosk_app.ui.translator import tr


class LoginScreen(QWidget):
    """``entered(staff_id)`` on a good PIN; ``failed(staff_id)`` on a bad one; ``cancelled``;
    ``card_entered(label)`` for a staff card, ``card_failed`` for any other card."""

    entered = Signal(str)
    failed = Signal(str)
    cancelled = Signal()
    card_entered = Signal(str)
    card_failed = Signal()

    def __init__(self, gate: PinGate, locale: str, worker: Worker | None = None) -> None:
        super().__init__()
        self.gate = gate
        #: where the PIN is checked (scrypt takes ~50 ms: not on the GUI thread)
        self.worker = worker
        self.lang = locale
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(20)
        self.instruction = label("", "instruction")
        layout.addWidget(self.instruction)
        fields = WrappingRow()  # one above the other where a portrait screen is too narrow
        self.staff_id = QLineEdit()
        self.staff_id.setMaxLength(32)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        self.back = button()
        self.enter = button("", "primary")
        fields.addWidget(self.staff_id, 2)
        fields.addWidget(self.pin, 2)
        fields.addWidget(self.enter, 1)
        fields.addWidget(self.back, 1)
        layout.addWidget(fields)
        self.message = label("", "fault")
        layout.addWidget(self.message)
        self.keypad = Keypad()
        self.keypad.typed.connect(self._type)
        self.keypad.erased.connect(lambda: self._target().backspace())
        layout.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.back.clicked.connect(self.cancelled)
        self.enter.clicked.connect(self.submit)
        self.pin.returnPressed.connect(self.submit)
        self.retranslate(locale)

    def _target(self) -> QLineEdit:
        return self.staff_id if self.staff_id.hasFocus() else self.pin

    def _type(self, char: str) -> None:
        self._target().insert(char)

    def submit(self) -> None:
        staff = self.staff_id.text().strip()
        if not staff:
            self.message.setText(tr("mnt.login"))
            self.staff_id.setFocus()
            return
        pin = self.pin.text()
        self.pin.clear()
        if self.worker is None:
            self._answered(staff, self.gate.check(pin))
            return
        self.enter.setEnabled(False)
        self.worker.call(
            lambda: self.gate.check(pin),
            lambda answer: self._answered(staff, answer),
            lambda _exc: self._answered(staff, PinAnswer(False, closed=True)),
            owner=self,
        )

    def _answered(self, staff: str, answer: PinAnswer) -> None:
        self.enter.setEnabled(True)
        if answer.ok:
            self.message.clear()
            self.entered.emit(staff)
            return
        if answer.closed:
            self.message.setText(tr("mnt.closed"))
            return
        self.failed.emit(staff)
        if answer.locked_for:
            self.message.setText(tr("mnt.locked", seconds=answer.locked_for))
        else:
            self.message.setText(tr("mnt.wrong_pin", left=answer.tries_left))

    def card_read(self, code: str) -> None:
        """A card was read while this screen shows: a staff card opens maintenance; any other
        card is a failed try towards the lockout; while locked, every card is refused."""
        self.staff_id.clear()  # a keyboard-wedge scan may have typed the number into a field
        self.pin.clear()
        gate = self.gate
        if self.worker is None:
            self._card_answered(gate.check_card(code, counts=True))
            return
        self.enter.setEnabled(False)
        self.worker.call(
            lambda: gate.check_card(code, counts=True),
            self._card_answered,
            lambda _exc: self._card_answered(PinAnswer(False, closed=True)),
            owner=self,
        )

    def _card_answered(self, answer: PinAnswer) -> None:
        self.enter.setEnabled(True)
        if answer.ok:
            self.message.clear()
            self.card_entered.emit(answer.staff)
            return
        if answer.closed:
            self.message.setText(tr("mnt.closed"))
            return
        self.card_failed.emit()
        if answer.locked_for:
            self.message.setText(tr("mnt.locked", seconds=answer.locked_for))
        else:
            self.message.setText(tr("mnt.wrong_card", left=answer.tries_left))

    def retranslate(self, locale: str) -> None:
        self.lang = locale
        self.instruction.setText(tr("mnt.login"))
        self.staff_id.setPlaceholderText(tr("mnt.staff_id"))
        self.pin.setPlaceholderText(tr("mnt.pin"))
        self.staff_id.setAccessibleName(tr("mnt.staff_id"))
        self.pin.setAccessibleName(tr("mnt.pin"))
        self.keypad.delete.setAccessibleName(tr("ui.delete"))
        self.back.setText(tr("ui.back"))
        self.enter.setText(tr("mnt.enter"))

    def clear(self) -> None:
        self.staff_id.clear()
        self.pin.clear()
        self.message.clear()
