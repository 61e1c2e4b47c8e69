"""One masking rule for every place a patient's name appears (screen and film)."""

from __future__ import annotations

import pytest

from kiosk_app.core.privacy import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        # Chinese names: the family name's first character, the last one from three on
        ("张小三", "张*三"),
        ("李晓梅", "李*梅"),
        ("欧阳娜娜", "欧**娜"),  # a compound family name: only its first character
        ("张三", "张*"),
        ("张", "张*"),  # one character: the mask still shows, nothing more is given away
        ("张 小三", "张*三"),  # a space typed inside a Chinese name is not a character
        ("阿卜杜·热合曼", "阿**·**曼"),  # the separator stays, every letter beside it hidden
        # DICOM person names: the ideographic form first, ^ between components
        ("张^小三", "张*三"),
        ("Wang^Xiaoming=王^小明", "王*明"),
        ("Wang^Xiaoming=王小明", "王*明"),
        ("Wang^Xiaoming=", "W*** X*******"),
        ("=王小明", "王*明"),
        ("==WANG^XIAOMING", "W*** X*******"),  # only the phonetic group is filled in
        # Latin script: each word's initial, letters masked, spaces and punctuation kept
        ("ZHANG^San", "Z**** S**"),
        ("ZHANG SAN", "Z**** S**"),
        ("  DOE   JOHN ", "D** J***"),
        ("José García", "J*** G*****"),  # not ASCII, still Latin: masked word by word
        ("O'Brien^Mary-Ann", "O'***** M***-***"),
        ("X", "X"),
        ("Li", "L*"),
        # nothing to show
        ("", ""),
        ("   ", ""),
        ("^^", ""),
        ("==", ""),
    ],
)
def test_names_are_masked_one_way(name: str, masked: str) -> None:
    assert mask_name(name) == masked
