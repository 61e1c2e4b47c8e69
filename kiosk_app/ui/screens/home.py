"""Home (attract): one instruction, a picture of each way to identify, nothing patient-specific."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk_app.core import messages
from kiosk_app.ui.screens.common import button, icon_label, label

LONG_PRESS_MS = 3000


class HomeScreen(QWidget):
    """The instruction, the three ways in, a code field (the keyboard acts as the scanner)."""

    typing_requested = Signal()
    language_toggled = Signal()
    contrast_toggled = Signal()
    maintenance_requested = Signal()

    def __init__(
        self, hospital: str, demo_codes: Sequence[str], locale: str, *, camera: bool = False
    ) -> None:
        super().__init__()
        self.demo_codes = tuple(demo_codes)
        layout = QVBoxLayout(self)
        layout.setSpacing(20)
        top = QHBoxLayout()
        # An unmarked corner: held for 3 s it asks for the staff PIN (never by chance).
        self.corner = button("", "corner")
        self.corner_timer = QTimer(self)
        self.corner_timer.setSingleShot(True)
        self.corner_timer.setInterval(LONG_PRESS_MS)
        self.corner_timer.timeout.connect(self.maintenance_requested)
        self.corner.pressed.connect(self.corner_timer.start)
        self.corner.released.connect(self.corner_timer.stop)
        top.addWidget(self.corner, 0, Qt.AlignmentFlag.AlignTop)
        self.hospital = label(hospital, "hospital")
        top.addWidget(self.hospital, 1)
        self.contrast = button()
        self.language = button()
        top.addWidget(self.contrast, 0, Qt.AlignmentFlag.AlignTop)
        top.addSpacing(24)
        top.addWidget(self.language, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.instruction = label("", "instruction")
        layout.addWidget(self.instruction)
        ways = QGridLayout()
        ways.setHorizontalSpacing(48)
        self.way_labels = []
        names = ["slip", "ehealth", "idcard"] + (["camera"] if camera else [])
        for column, name in enumerate(names):
            ways.addWidget(
                icon_label(name if name != "camera" else "ehealth", 160),
                0,
                column,
                Qt.AlignmentFlag.AlignCenter,
            )
            caption = label("", "heading")
            caption.setProperty("way", name)
            self.way_labels.append(caption)
            ways.addWidget(caption, 1, column)
        layout.addLayout(ways)
        row = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setMaxLength(64)
        self.find_button = button("", "primary")
        self.type_button = button()
        row.addWidget(self.code, 3)
        row.addSpacing(24)
        row.addWidget(self.find_button, 1)
        layout.addLayout(row)
        layout.addWidget(self.type_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.demo = label("", "small")
        layout.addWidget(self.demo)
        layout.addStretch(1)
        self.staff = label("", "small")
        layout.addWidget(self.staff)
        self.type_button.clicked.connect(self.typing_requested)
        self.language.clicked.connect(self.language_toggled)
        self.contrast.clicked.connect(self.contrast_toggled)
        # the old name, for callers that press "print" on the home screen
        self.print_button = self.find_button
        self.retranslate(locale)

    def retranslate(self, locale: str) -> None:
        self.instruction.setText(messages.text("ui.instruction", locale))
        for caption in self.way_labels:
            caption.setText(messages.text(f"ui.way_{caption.property('way')}", locale))
        self.code.setPlaceholderText(messages.text("ui.type_code", locale))
        self.find_button.setText(messages.text("ui.find", locale))
        self.type_button.setText(messages.text("ui.type_code", locale))
        self.language.setText(messages.text("ui.language", locale))
        self.contrast.setText(messages.text("ui.contrast", locale))
        self.demo.setText(
            messages.text("ui.demo_codes", locale) + "  ".join(self.demo_codes)
            if self.demo_codes
            else ""
        )
        self.staff.setText(messages.text("ui.staff_help", locale))

    def clear(self) -> None:
        self.code.clear()
        self.code.setFocus()
