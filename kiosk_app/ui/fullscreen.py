"""The kiosk window over the whole screen, whatever shows it.

``QWidget.showFullScreen`` only asks the window manager for the fullscreen state
(``_NET_WM_STATE_FULLSCREEN`` on X11). On plain X11 with no window manager nobody honours
that and the window stays at its default size in a corner; under cage (Wayland) the compositor
sizes the window itself. So the window is made frameless, given the screen's geometry
explicitly and then put in the fullscreen state, and it follows the screen: a rotation
(``xrandr --rotate left``, cage's output transform), a new mode, or a move to another screen
re-applies the new geometry.
"""

from __future__ import annotations

import contextlib
import logging

from PySide6.QtCore import QObject, QRect, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QLayout, QWidget

log = logging.getLogger(__name__)


class ScreenFiller(QObject):
    """Keeps ``window`` frameless, fullscreen and exactly as large as its screen."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._screen: QScreen | None = None
        app = QGuiApplication.instance()
        assert isinstance(app, QGuiApplication)
        app.primaryScreenChanged.connect(self._screen_changed)
        app.screenRemoved.connect(self._screen_changed)

    def show(self) -> None:
        """Show the window over the whole of its screen (the primary one at first)."""
        self.window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        layout = self.window.layout()
        if layout is not None:  # the screen's size wins over the screens' minimum size hints
            layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
            self.window.setMinimumSize(0, 0)
        self._follow(self.window.screen() or QGuiApplication.primaryScreen())
        self.fill()
        self.window.showFullScreen()
        handle = self.window.windowHandle()
        if handle is not None:
            handle.screenChanged.connect(self._screen_changed)

    def fill(self) -> None:
        """Give the window its screen's geometry (again)."""
        screen = self._screen
        if screen is None:
            return
        geometry: QRect = screen.geometry()
        if self.window.geometry() != geometry:
            log.debug(
                "window to %dx%d+%d+%d (screen %s)",
                geometry.width(),
                geometry.height(),
                geometry.x(),
                geometry.y(),
                screen.name(),
            )
            fullscreen = self.window.isFullScreen()
            self.window.setGeometry(geometry)  # Qt drops the fullscreen state here: ask again
            if fullscreen:
                self.window.setWindowState(
                    self.window.windowState() | Qt.WindowState.WindowFullScreen
                )

    def _follow(self, screen: QScreen | None) -> None:
        if screen is self._screen:
            return
        if self._screen is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # a removed screen: gone already
                self._screen.geometryChanged.disconnect(self._geometry_changed)
        self._screen = screen
        if screen is not None:
            screen.geometryChanged.connect(self._geometry_changed)

    def _geometry_changed(self, _geometry: QRect) -> None:
        self.fill()

    def _screen_changed(self, *_: object) -> None:
        handle = self.window.windowHandle()
        screen = (
            handle.screen() if handle is not None else None
        ) or QGuiApplication.primaryScreen()
        self._follow(screen)
        self.fill()
