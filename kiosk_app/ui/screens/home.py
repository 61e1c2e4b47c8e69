"""Home (attract): one instruction, a picture of each way to identify, nothing patient-specific."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from drivers.scanner.preview import PreviewTap
from kiosk_app.ui.screens.common import button, icon_label, label
from kiosk_app.ui.translator import tr
from kiosk_app.ui.widgets.camera_preview import CameraPreview

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
        top.addStretch(1)  # the hospital's name is in the window's header, over every screen
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
        self.ways = ways
        self.way_labels = []
        #: the picture above each way's caption (the camera's becomes its live preview)
        self.way_icons: dict[str, QWidget] = {}
        #: the camera's live picture, once a camera is attached (:meth:`attach_camera`)
        self.preview: CameraPreview | None = None
        names = ["slip", "ehealth", "idcard"] + (["camera"] if camera else [])
        for column, name in enumerate(names):
            self.way_icons[name] = icon_label(name if name != "camera" else "ehealth", 160)
            ways.addWidget(self.way_icons[name], 0, column, Qt.AlignmentFlag.AlignCenter)
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
        self.instruction.setText(tr("ui.instruction"))
        for caption in self.way_labels:
            caption.setText(tr(f"ui.way_{caption.property('way')}"))
        self.code.setPlaceholderText(tr("ui.type_code"))
        self.code.setAccessibleName(tr("ui.a11y_code"))
        self.corner.setAccessibleName(tr("mnt.title"))
        self.find_button.setText(tr("ui.find"))
        self.type_button.setText(tr("ui.type_code"))
        self.language.setText(tr("ui.language"))
        self.contrast.setText(tr("ui.contrast"))
        self.demo.setText(
            tr("ui.demo_codes") + "  ".join(self.demo_codes) if self.demo_codes else ""
        )
        self.staff.setText(tr("ui.staff_help"))
        if self.preview is not None:
            self.preview.retranslate()

    def attach_camera(self, tap: PreviewTap) -> CameraPreview:
        """Show the camera's live picture (``tap``) in the camera's column, in place of its
        icon; the column's caption then says "hold the code here" (the preview keeps it). The
        column is added if this screen was built without one. The picture runs only while
        this screen is on show."""
        if self.preview is not None:
            return self.preview
        names = list(self.way_icons)
        column = names.index("camera") if "camera" in names else len(names)
        icon = self.way_icons.pop("camera", None)
        if icon is not None:
            self.ways.removeWidget(icon)
            icon.hide()
            icon.deleteLater()
        captions = [c for c in self.way_labels if c.property("way") == "camera"]
        caption = captions[0] if captions else label("", "heading")
        if not captions:
            self.ways.addWidget(caption, 1, column)
        self.way_labels = [c for c in self.way_labels if c.property("way") != "camera"]
        self.preview = CameraPreview(tap, caption)
        self.way_icons["camera"] = self.preview
        self.ways.addWidget(self.preview, 0, column)
        box = self.layout()
        if isinstance(box, QVBoxLayout):  # room to spare goes to the picture, most of it
            box.setStretchFactor(self.ways, 3)
        return self.preview

    def clear(self) -> None:
        self.code.clear()
        self.code.setFocus()
