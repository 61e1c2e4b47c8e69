"""Film and paper sizes as IPP/CUPS media: PWG 5101.1 self-describing names, and what a printer
says it supports.

A self-describing name is ``class_name_WIDTHxHEIGHTunit`` (``na_govt-letter_8x10in``,
``oe_14x17_14x17in``, ``iso_a4_210x297mm``): the size is in the name, so a queue's
``media-supported`` can be compared by size whatever prefix a printer or CUPS gives it. CUPS
lists sizes its own table lacks as ``custom_14x17in_14x17in``, and a printer that takes any size
in a range lists ``custom_min_WxHunit`` and ``custom_max_WxHunit``.

Names (registered ones from PWG 5101.1 and the IANA IPP registry; ``oe_14x14_14x14in`` and the
two centimetre sizes are self-describing names of the same form, as PWG 5101.1 allows):

==========  ==========================  ==================
DICOM       media                       size (portrait)
==========  ==========================  ==================
8INX10IN    na_govt-letter_8x10in       576 x 720 pt
10INX12IN   oe_photo-10r_10x12in        720 x 864 pt
10INX14IN   na_10x14_10x14in            720 x 1008 pt
11INX14IN   na_edp_11x14in              792 x 1008 pt
14INX14IN   oe_14x14_14x14in            1008 x 1008 pt
14INX17IN   oe_14x17_14x17in            1008 x 1224 pt
24CMX24CM   om_24x24cm_240x240mm        680.3 x 680.3 pt
24CMX30CM   om_24x30cm_240x300mm        680.3 x 850.4 pt
A4          iso_a4_210x297mm            595.3 x 841.9 pt
A3          iso_a3_297x420mm            841.9 x 1190.6 pt
==========  ==========================  ==================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

HMM_PER_INCH = 2540
"""IPP measures media in hundredths of a millimetre."""
TOLERANCE_HMM = 50
"""Two sizes within 0.5 mm of each other are the same medium (as CUPS matches them)."""

#: DICOM Film Size ID (and the report's A4) -> PWG 5101.1 media name
PWG_MEDIA: dict[str, str] = {
    "8INX10IN": "na_govt-letter_8x10in",
    "10INX12IN": "oe_photo-10r_10x12in",
    "10INX14IN": "na_10x14_10x14in",
    "11INX14IN": "na_edp_11x14in",
    "14INX14IN": "oe_14x14_14x14in",
    "14INX17IN": "oe_14x17_14x17in",
    "24CMX24CM": "om_24x24cm_240x240mm",
    "24CMX30CM": "om_24x30cm_240x300mm",
    "A4": "iso_a4_210x297mm",
    "A3": "iso_a3_297x420mm",
}
REPORT_MEDIA = PWG_MEDIA["A4"]

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(in|mm)$")


@dataclass(frozen=True)
class MediaSize:
    """A medium's size in hundredths of a millimetre, the short edge first."""

    width: int
    height: int

    @classmethod
    def of(cls, a: int, b: int) -> MediaSize:
        return cls(min(a, b), max(a, b))

    def matches(self, other: MediaSize) -> bool:
        return (
            abs(self.width - other.width) <= TOLERANCE_HMM
            and abs(self.height - other.height) <= TOLERANCE_HMM
        )

    def within(self, low: MediaSize, high: MediaSize) -> bool:
        """Inside a custom range (``custom_min``..``custom_max``), either way round."""
        return (
            low.width - TOLERANCE_HMM <= self.width <= high.width + TOLERANCE_HMM
            and low.height - TOLERANCE_HMM <= self.height <= high.height + TOLERANCE_HMM
        )

    @property
    def points(self) -> tuple[float, float]:
        """(width, height) in PDF points, portrait."""
        return self.width * 72 / HMM_PER_INCH, self.height * 72 / HMM_PER_INCH


def parse_size(name: str) -> MediaSize | None:
    """The size a self-describing media name carries (``..._14x17in``); None if it has none."""
    dims = name.strip().rsplit("_", 1)[-1]
    match = _SIZE.match(dims)
    if match is None:
        return None
    scale = HMM_PER_INCH if match.group(3) == "in" else 100
    return MediaSize.of(round(float(match.group(1)) * scale), round(float(match.group(2)) * scale))


def pwg_media(film_size_id: str) -> str:
    """The PWG media name for a DICOM Film Size ID (or ``A4``/``A3``). Raises ValueError."""
    try:
        return PWG_MEDIA[film_size_id.strip().upper()]
    except KeyError:
        raise ValueError(f"no PWG media name for film size {film_size_id!r}") from None


@dataclass(frozen=True)
class MediaMatch:
    """How a printer's ``media-supported`` covers one size."""

    wanted: str
    """The PWG name asked for."""
    supported: str
    """The entry of ``media-supported`` that covers it (a name, or ``custom_min..custom_max``);
    empty when none does."""

    @property
    def ok(self) -> bool:
        return bool(self.supported)


def match_media(wanted: str, supported: Iterable[str]) -> MediaMatch:
    """Which entry of a printer's ``media-supported`` prints ``wanted`` at its size.

    The same name, or any name of the same size (CUPS says ``custom_14x17in_14x17in`` for a
    size its table lacks), or a custom range that holds it. Not found: ``supported`` is "".
    """
    size = parse_size(wanted)
    names = [str(n).strip() for n in supported]
    if wanted in names:
        return MediaMatch(wanted, wanted)
    if size is None:
        return MediaMatch(wanted, "")
    low = high = None
    for name in names:
        if name.startswith("custom_min_"):
            low = parse_size(name)
        elif name.startswith("custom_max_"):
            high = parse_size(name)
        else:
            other = parse_size(name)
            if other is not None and other.matches(size):
                return MediaMatch(wanted, name)
    if low is not None and high is not None and size.within(low, high):
        return MediaMatch(wanted, f"{_range_name(low)}..{_range_name(high)}")
    return MediaMatch(wanted, "")


def _range_name(size: MediaSize) -> str:
    return f"{size.width / 100:g}x{size.height / 100:g}mm"


def film_size_names(supported: Iterable[str]) -> list[str]:
    """A printer's ``media-supported`` as the installer reads it: DICOM film sizes where one
    fits (``14INX17IN``), else the name itself; custom ranges once, as ``min..max``."""
    out: list[str] = []
    sizes = {k: parse_size(v) for k, v in PWG_MEDIA.items()}
    low = high = ""
    for name in supported:
        name = str(name)
        if name.startswith("custom_min_"):
            low = name.rsplit("_", 1)[-1]
            continue
        if name.startswith("custom_max_"):
            high = name.rsplit("_", 1)[-1]
            continue
        size = parse_size(name)
        film = next(
            (k for k, s in sizes.items() if size is not None and s is not None and s.matches(size)),
            name,
        )
        if film not in out:
            out.append(film)
    if low and high:
        out.append(f"custom {low}..{high}")
    return out
