"""The camera's live picture on the home screen, so a patient can aim their QR code.

The camera thread makes the frames small (:class:`drivers.scanner.preview.PreviewTap`); this
widget only wraps the waiting frame in a QImage and paints it, mirrored like a selfie view,
with a guide frame and "hold the code here" under it. It asks for frames only while it is on
screen: hidden (the patient moved on, a nurse logged in) it stops the tap and lets go of the
last picture, which may show the patient. When the camera is starting or not working, a calm
sentence takes the picture's place, and the caption names the way (as the other ways' do).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QImage,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from drivers.scanner.preview import CameraState, PreviewFrame, PreviewTap
from kiosk_app.ui.screens.common import label
from kiosk_app.ui.translator import tr

log = logging.getLogger(__name__)

#: the guide frame's side, as a share of the picture's shorter side
GUIDE_SHARE = 0.6
_FORMATS = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888}


class _Notifier(QObject):
    """Carries the camera thread's "look at the tap" to the GUI thread (a queued signal)."""

    changed = Signal()


class FrameView(QWidget):
    """Paints one picture, fitted and centred, with the guide frame; a sentence when none."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image: QImage | None = None
        self._frame: PreviewFrame | None = None  # the bytes the QImage reads
        self.message = label("", "")
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)

    def show_frame(self, frame: PreviewFrame | None) -> None:
        if frame is None:
            self.image, self._frame = None, None
        else:
            fmt = _FORMATS[frame.channels]
            self.image = QImage(frame.data, frame.width, frame.height, frame.bytes_per_line, fmt)
            self._frame = frame
        self.message.setVisible(self.image is None)
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the picture is painted: fitted into the widget, centred."""
        if self.image is None:
            return QRectF(self.rect())
        width, height = self.image.width(), self.image.height()
        scale = min(self.width() / width, self.height() / height)
        shown_w, shown_h = width * scale, height * scale
        return QRectF((self.width() - shown_w) / 2, (self.height() - shown_h) / 2, shown_w, shown_h)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        text = self.palette().color(self.foregroundRole())
        if self.image is None:
            painter.setPen(QPen(text, 3, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(2, 2, -2, -2), 12, 12)
            painter.end()
            return
        target = self.picture_rect()
        painter.drawImage(target, self.image)
        side = min(target.width(), target.height()) * GUIDE_SHARE
        guide = QRectF(target.center().x() - side / 2, target.center().y() - side / 2, side, side)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(0, 0, 0, 160), 10))  # a dark edge: visible on any picture
        painter.drawRoundedRect(guide, 16, 16)
        painter.setPen(QPen(QColor("#ffffff"), 5))
        painter.drawRoundedRect(guide, 16, 16)
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.update()


class CameraPreview(QWidget):
    """The live picture of ``tap``, running only while it is on screen, and what ``caption``
    (a label the screen placed under it, or one of its own) says about it."""

    def __init__(
        self, tap: PreviewTap, caption: QLabel | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("camera")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.tap = tap
        self.view = FrameView()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        if caption is None:
            caption = label("", "heading")
            layout.addWidget(caption)
        self.caption = caption
        self._notifier = _Notifier(self)
        self._notifier.changed.connect(self._pull, Qt.ConnectionType.QueuedConnection)
        emit = self._notifier.changed.emit

        def tell() -> None:  # on the camera thread
            try:
                emit()
            except RuntimeError:  # the widget is gone (the window closed): nobody to tell
                tap.set_listener(None)

        tap.set_listener(tell)
        self.destroyed.connect(lambda *_: tap.set_listener(None))
        self.retranslate()

    @property
    def image(self) -> QImage | None:
        """The picture on screen now (None: none is held)."""
        return self.view.image

    @property
    def running(self) -> bool:
        return self.tap.active

    def start(self) -> None:
        self._fit()
        self.tap.start()
        self._say()

    def stop(self) -> None:
        """No more frames, and the last picture let go of (it may show the patient)."""
        self.tap.stop()
        self.view.show_frame(None)
        self._say()

    def _pull(self) -> None:
        if not self.tap.active:
            self.tap.take()  # a frame made just before stopping is not kept
            self._say()
            return
        frame = self.tap.take()
        if self.tap.state is CameraState.FAILED:
            self.view.show_frame(None)
        elif frame is not None:
            self.view.show_frame(frame)
        self._say()

    def _say(self) -> None:
        failed = self.tap.state is CameraState.FAILED
        if failed:
            self.view.message.setText(tr("ui.camera_unavailable"))
        elif self.view.image is None:
            self.view.message.setText(tr("ui.camera_starting"))
        self.caption.setText(tr("ui.way_camera" if failed else "ui.camera_hold"))

    def retranslate(self) -> None:
        self._say()

    def _fit(self) -> None:
        self.tap.fit(self.view.width(), self.view.height())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt name)
        super().hideEvent(event)
        self.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit()
