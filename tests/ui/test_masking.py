"""The exam list shows enough of a name to recognise it, never all of it."""

from __future__ import annotations

import pytest

from kiosk_app.ui.screens.common import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李晓梅", "李*梅"),
        ("欧阳娜娜", "欧**娜"),
        ("Wang^Xiaoming=王小明", "王*明"),
        ("ZHANG^San", "Z**** S**"),
        ("", ""),
    ],
)
def test_names_are_masked(name: str, masked: str) -> None:
    assert mask_name(name) == masked
