"""``python -m kiosk_app.ui.maintenance.pin``: make the hash of the nurses' PIN for ``[ui]
staff_pin_hash``, and with ``--card LABEL`` an entry of ``[ui] staff_cards``. The rule, the
hashing and the checking are :mod:`kiosk_app.core.pin`'s, shared with ``kiosk setup`` and the
login screen. A card number is never logged, and never kept beyond the check.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Sequence

from kiosk_app.core.pin import PIN_MAX, PIN_MIN, hash_card, hash_pin, normalise_card, pin_problem


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--card"]:
        return _card_main(args[1:])
    if args:
        print("usage: python -m kiosk_app.ui.maintenance.pin [--card [LABEL]]", file=sys.stderr)
        return 2
    pin = getpass.getpass(f"New maintenance PIN ({PIN_MIN}-{PIN_MAX} digits): ")
    if problem := pin_problem(pin):
        print(f"a PIN is {problem}", file=sys.stderr)
        return 2
    if getpass.getpass("Again: ") != pin:
        print("the two PINs differ", file=sys.stderr)
        return 2
    print(hash_pin(pin))
    return 0


_CARD_USAGE = "usage: python -m kiosk_app.ui.maintenance.pin --card [LABEL] [--salt HEX]"


def _card_main(args: Sequence[str]) -> int:
    """``--card [LABEL] [--salt HEX]``: read a card number (typed, or scanned into the
    terminal) without echoing it, and print the ``"label:hash"`` entry for ``[ui]
    staff_cards``. Give every card of a site the same salt (the fourth ``$`` field of the
    first entry) and a scan costs one hash however many cards there are."""
    args = list(args)
    salt: bytes | None = None
    if "--salt" in args:
        at = args.index("--salt")
        try:
            salt = bytes.fromhex(args[at + 1])
        except (IndexError, ValueError):
            salt = b""
        if len(salt) < 16:
            print(_CARD_USAGE, file=sys.stderr)
            print("(--salt takes at least 16 bytes in hex, as in an existing entry)",
                  file=sys.stderr)  # fmt: skip
            return 2
        del args[at : at + 2]
    if len(args) > 1 or any(":" in a or "," in a for a in args):
        print(_CARD_USAGE, file=sys.stderr)
        print("(a label has no ':' or ',')", file=sys.stderr)
        return 2
    label = args[0].strip() if args else ""
    number = normalise_card(getpass.getpass("Staff card number (type or scan it): "))
    if len(number) < 4:
        print("a card number has at least 4 characters", file=sys.stderr)
        return 2
    if normalise_card(getpass.getpass("Again: ")) != number:
        print("the two card numbers differ", file=sys.stderr)
        return 2
    hashed = hash_card(number, salt=salt)
    print(f"{label}:{hashed}" if label else hashed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
