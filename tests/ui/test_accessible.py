"""Every control says what it does to a screen reader: a name (what Qt's accessibility bridge,
AT-SPI on Linux, reads out) and the role of its kind, on every screen, in both languages; a
check box names its exam, not only 报告 or 胶片."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QLineEdit, QPushButton, QWidget

from kiosk_app.ui.main_window import KioskWindow
from tests.ui.screens_walk import EXAMS, walk

pytestmark = pytest.mark.ui

#: names that say what a thing is, not what it does or which exam it is
BARE = {"报告", "胶片", "Report", "Film", "", "⌫"}
ROLES = {
    QCheckBox: QAccessible.Role.CheckBox,
    QLineEdit: QAccessible.Role.EditableText,
    QAbstractButton: QAccessible.Role.Button,
}


def unnamed(window: KioskWindow) -> list[str]:
    """The controls on show that a screen reader could not tell apart, or whose role it
    would get wrong."""
    problems = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, QAbstractButton | QLineEdit) or not widget.isVisibleTo(window):
            continue
        name = widget.accessibleName()
        what = f"{type(widget).__name__} {getattr(widget, 'text', lambda: '')()!r}"
        if name.strip() in BARE:
            problems.append(f"{what}: accessible name {name!r}")
            continue
        if isinstance(widget, QCheckBox) and not any(
            description in name and re.search(r"\d{4}-\d\d-\d\d", name)
            for _m, description, _r, _f in EXAMS
        ):
            problems.append(f"{what}: {name!r} does not name its exam")
        face = QAccessible.queryAccessibleInterface(widget)
        if face is None or face.text(QAccessible.Text.Name) != name:
            problems.append(f"{what}: the accessibility bridge does not read {name!r}")
            continue
        role = next(r for kind, r in ROLES.items() if isinstance(widget, kind))
        if (
            isinstance(widget, QAbstractButton) and widget.isCheckable()
        ):  # a toggle (the nurse's printer choice) is read as one
            role = QAccessible.Role.CheckBox
        if face.role() != role and not (
            role is QAccessible.Role.Button and face.role() is QAccessible.Role.PushButton
        ):
            problems.append(f"{what}: role {face.role()} where {role} was meant")
    return problems


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_control_on_every_screen_has_a_name_and_role(
    window: KioskWindow, language: str
) -> None:
    window.resize(1920, 1080)
    problems = []
    checks = 0
    for name in walk(window, language, False):
        problems += [f"{language} {name}: {p}" for p in unnamed(window)]
        checks += len([c for c in window.findChildren(QCheckBox) if c.isVisibleTo(window)])
    assert not problems, "\n".join(problems)
    assert checks > 10  # the exam lists' boxes were among them


def test_a_check_box_names_its_exam_and_the_code_field_is_named(window: KioskWindow) -> None:
    for name in walk(window, "zh_CN", False):
        if name == "exams":
            boxes = [c.accessibleName() for c in window.exams.findChildren(QCheckBox)]
            assert (
                "报告 - CT 胸部平扫+增强 (Chest CT with and without contrast) 2026-12-01" in boxes
            )
            assert "胶片 - MR 头颅 MRI 平扫 + DWI + MRA (Brain MRI with diffusion) 2026-12-01" in (
                boxes
            )
    assert window.home.code.accessibleName() == "检查单条码或卡号"
    assert window.keypad.keypad.delete.accessibleName() == "删除"
    window.set_language("en")
    assert window.home.code.accessibleName() == "Exam slip code or card number"


def test_the_walk_finds_a_control_without_a_name(window: KioskWindow) -> None:
    """The check can fail: an icon button with no text and no name is reported."""
    window.stack.setCurrentWidget(window.home)
    stray = QPushButton(window.home)
    stray.show()
    assert any("accessible name ''" in p for p in unnamed(window))
    stray.setAccessibleName("打开帮助")
    assert unnamed(window) == []
