"""How much of a patient's name the kiosk shows: enough to recognise it, never all of it.

One rule for every place a name appears (the exam list on screen, film corners, anything
printed or shown later), so a patient never sees their name masked one way on the screen and
another way on the film:

- Chinese (and other full-width) names: the family name's first character, then one ``*`` per
  hidden character, then the last character when the name has three or more (张小三 → 张*三,
  欧阳娜娜 → 欧**娜, 张三 → 张*). A one-character name shows as ``张*``, like a two-character
  one: the mask is always visible, and nothing more than the first character is shown. Spaces
  typed inside a Chinese name are dropped; separators such as ``·`` stay where they are.
- Latin-script names (ASCII or not): each word's initial, its other letters masked, spaces
  and punctuation kept (ZHANG SAN → Z**** S**, José García → J*** G*****).
- DICOM person names (``Wang^Xiaoming=王小明``): the ideographic form when there is one, else
  the alphabetic, else the phonetic; ``^`` separates the components.
- Empty, or only separators: ``""``.
"""

from __future__ import annotations

import unicodedata

MASK = "*"


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _person_name(name: str) -> list[str]:
    """The components of ``name`` (a DICOM PN or plain text) in the form to show."""
    groups = name.split("=")
    # DICOM PN groups: alphabetic=ideographic=phonetic; a patient reads the ideographic one.
    order = [groups[1], groups[0], *groups[2:3]] if len(groups) > 1 else groups
    for group in order:
        parts = [part.strip() for part in group.split("^") if part.strip()]
        if parts:
            return parts
    return []


def _masked_letters(text: str) -> str:
    return "".join(MASK if ch.isalnum() else ch for ch in text)


def mask_name(name: str) -> str:
    """``name`` as the kiosk may show or print it (see the module's rule)."""
    parts = _person_name(name or "")
    if not parts:
        return ""
    if any(_is_wide(ch) for part in parts for ch in part):
        chars = [ch for ch in "".join(parts) if not ch.isspace()]
        if len(chars) <= 2:
            return chars[0] + MASK
        return chars[0] + _masked_letters("".join(chars[1:-1])) + chars[-1]
    words = " ".join(parts).split()
    return " ".join(word[0] + _masked_letters(word[1:]) for word in words)
