"""An on-screen keypad to type the code on an exam slip: taps only, keys of 120 px and more."""

from __future__ import annotations

import string

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk_app.ui.screens.common import button, label
from kiosk_app.ui.translator import tr

KEYS = string.digits + string.ascii_uppercase
COLUMNS = 8  # 8 keys of 120 px (10 px apart) fit a portrait 1080 px screen too
GAP = 10


class Keypad(QWidget):
    """Digits and letters; ``typed`` carries one character, ``erased`` a backspace."""

    typed = Signal(str)
    erased = Signal()

    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setSpacing(GAP)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys = {}
        for index, char in enumerate(KEYS):
            key = button(char, "key")
            key.clicked.connect(lambda _=False, c=char: self.typed.emit(c))
            self.keys[char] = key
            grid.addWidget(key, index // COLUMNS, index % COLUMNS)
        self.delete = button("⌫", "key")
        self.delete.setAccessibleName(tr("ui.delete"))
        self.delete.clicked.connect(self.erased)
        index = len(KEYS)
        grid.addWidget(self.delete, index // COLUMNS, index % COLUMNS, 1, COLUMNS - index % COLUMNS)


class KeypadScreen(QWidget):
    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, locale: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(24)
        self.instruction = label("", "instruction")
        layout.addWidget(self.instruction)
        row = QHBoxLayout()
        row.setSpacing(24)
        self.code = QLineEdit()
        self.code.setMaxLength(64)
        self.back = button()
        self.find_button = button("", "primary")
        row.addWidget(self.code, 3)
        row.addWidget(self.find_button, 1)
        row.addWidget(self.back, 1)
        layout.addLayout(row)
        self.keypad = Keypad()
        self.keypad.typed.connect(lambda c: self.code.insert(c))
        self.keypad.erased.connect(self.code.backspace)
        layout.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.back.clicked.connect(self.cancelled)
        self.find_button.clicked.connect(self._submit)
        self.code.returnPressed.connect(self._submit)
        self.retranslate(locale)

    def _submit(self) -> None:
        code = self.code.text().strip()
        if code:
            self.submitted.emit(code)

    def retranslate(self, locale: str) -> None:
        self.instruction.setText(tr("ui.keypad_title"))
        self.code.setAccessibleName(tr("ui.a11y_code"))
        self.keypad.delete.setAccessibleName(tr("ui.delete"))
        self.back.setText(tr("ui.back"))
        self.find_button.setText(tr("ui.find"))

    def clear(self) -> None:
        self.code.clear()
