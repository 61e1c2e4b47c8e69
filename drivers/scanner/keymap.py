"""Linux input key codes to characters (US layout), as a keyboard-wedge scanner types them.

evdev yields key codes, not characters, so the kiosk maps them itself. Non-ASCII payloads
(Chinese text) cannot come through a keyboard wedge; those scanners go on the serial backend.
The codes are the kernel's (``linux/input-event-codes.h``), so this module needs no evdev.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KEY_ENTER, KEY_KPENTER, KEY_TAB = 28, 96, 15
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK = 42, 54, 58

# code: (plain, shifted)
_KEYS: dict[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"),
    7: ("6", "^"), 8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"),
    12: ("-", "_"), 13: ("=", "+"), 16: ("q", "Q"), 17: ("w", "W"), 18: ("e", "E"),
    19: ("r", "R"), 20: ("t", "T"), 21: ("y", "Y"), 22: ("u", "U"), 23: ("i", "I"),
    24: ("o", "O"), 25: ("p", "P"), 26: ("[", "{"), 27: ("]", "}"), 30: ("a", "A"),
    31: ("s", "S"), 32: ("d", "D"), 33: ("f", "F"), 34: ("g", "G"), 35: ("h", "H"),
    36: ("j", "J"), 37: ("k", "K"), 38: ("l", "L"), 39: (";", ":"), 40: ("'", '"'),
    41: ("`", "~"), 43: ("\\", "|"), 44: ("z", "Z"), 45: ("x", "X"), 46: ("c", "C"),
    47: ("v", "V"), 48: ("b", "B"), 49: ("n", "N"), 50: ("m", "M"), 51: (",", "<"),
    52: (".", ">"), 53: ("/", "?"), 57: (" ", " "),
    # keypad
    71: ("7", "7"), 72: ("8", "8"), 73: ("9", "9"), 74: ("-", "-"), 75: ("4", "4"),
    76: ("5", "5"), 77: ("6", "6"), 78: ("+", "+"), 79: ("1", "1"), 80: ("2", "2"),
    81: ("3", "3"), 82: ("0", "0"), 83: (".", "."), 55: ("*", "*"), 98: ("/", "/"),
}  # fmt: skip

SUFFIX_KEYS = {"enter": (KEY_ENTER, KEY_KPENTER), "tab": (KEY_TAB,), "none": ()}


@dataclass
class KeyDecoder:
    """Turns key events (code, value) into complete scans.

    ``value`` is evdev's: 1 key down, 0 key up, 2 auto-repeat (ignored). A scan ends at the
    suffix key; with suffix ``none`` the caller ends it with :meth:`flush` after a pause.
    """

    suffix: str = "enter"
    _shift: bool = False
    _caps: bool = False
    _chars: list[str] = field(default_factory=list)

    def feed(self, code: int, value: int) -> str | None:
        if code in (KEY_LEFTSHIFT, KEY_RIGHTSHIFT):
            self._shift = value != 0
            return None
        if value != 1:
            return None
        if code == KEY_CAPSLOCK:
            self._caps = not self._caps
            return None
        if code in SUFFIX_KEYS.get(self.suffix, ()):
            return self.flush()
        pair = _KEYS.get(code)
        if pair is None:
            return None
        char = pair[1] if self._shift else pair[0]
        if self._caps and char.isalpha():
            char = char.swapcase()
        self._chars.append(char)
        return None

    def flush(self) -> str | None:
        text, self._chars = "".join(self._chars), []
        return text or None

    @property
    def pending(self) -> int:
        return len(self._chars)
