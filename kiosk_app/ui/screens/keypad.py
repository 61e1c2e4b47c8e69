"""An on-screen keypad to type the code on an exam slip or an ID number: taps only, keys of
120 px and more, the digits laid out as on a telephone."""

from __future__ import annotations

import string

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.ui.screens.common import button, label
from kiosk_app.ui.translator import tr

#: the digits as on a telephone, with the X an ID number may end in and the eraser
DIGITS = ("123", "456", "789", "X0⌫")
#: the other letters of an exam slip's code, in five columns beside the digits
LETTERS = "".join(c for c in string.ascii_uppercase if c != "X")
LETTER_COLUMNS = 5  # 3 + 5 keys of 120 px (10 px apart, 24 between) fit a portrait 1080 px
GAP = 10
KEYS = string.digits + string.ascii_uppercase


class Keypad(QWidget):
    """A numeric block laid out 1-9 / X 0 ⌫ (an ID number is typed on it alone) and the
    letters beside it; ``typed`` carries one character, ``erased`` a backspace."""

    typed = Signal(str)
    erased = Signal()

    def __init__(self) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(24)
        digits = QGridLayout()
        digits.setSpacing(GAP)
        letters = QGridLayout()
        letters.setSpacing(GAP)
        self.keys: dict[str, QPushButton] = {}
        self.delete = button("⌫", "key")
        self.delete.clicked.connect(self.erased)
        for line, chars in enumerate(DIGITS):
            for column, char in enumerate(chars):
                key = self.delete if char == "⌫" else self._key(char)
                digits.addWidget(key, line, column)
        for index, char in enumerate(LETTERS):
            letters.addWidget(self._key(char), index // LETTER_COLUMNS, index % LETTER_COLUMNS)
        row.addLayout(digits)
        row.addLayout(letters)

    def _key(self, char: str) -> QPushButton:
        key = button(char, "key")
        key.clicked.connect(lambda _=False, c=char: self.typed.emit(c))
        self.keys[char] = key
        return key


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
