"""The nurses' PIN and staff cards: one rule for what a PIN is, stored as salted scrypt hashes,
locked for a while after 5 wrong tries (PINs and cards read on the login screen count together).

Everything that makes or checks a PIN uses this module: ``kiosk setup`` (the wizard), the
``python -m kiosk_app.ui.maintenance.pin`` command (which makes a hash for ``[ui]
staff_pin_hash``, and with ``--card LABEL`` an entry of ``[ui] staff_cards``) and the login
screen's :class:`PinGate`, so a PIN one of them accepts is one the others accept.
A card number is never logged, and never kept beyond the check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

MAX_FAILURES = 5
#: the length of a PIN, in digits (0-9 only). Twelve is what the login screen's field takes
#: and what ``python -m kiosk_app.ui.maintenance.pin`` has always accepted, so no PIN made
#: with it stops working; four is the least a keypad PIN behind a lockout may be.
PIN_MIN, PIN_MAX = 4, 12
PIN_RULE = f"{PIN_MIN} to {PIN_MAX} digits"
DEMO_PIN = "1234"
#: the demo's staff card (``--demo`` without ``[ui] staff_cards``), documented in the README
DEMO_STAFF_CARD = "STAFF0001"
DEMO_STAFF_LABEL = "demo-nurse"
#: their hashes, made once (scrypt is ~70 ms that the demo's start-up need not spend)
DEMO_PIN_HASH = (
    "scrypt$16384$8$1$6b696f736b2d64656d6f2d70696e2121"
    "$14f3d20c658320590bb8481b5120758ff3710ea2ad47229764829fdced22c1a3"
)
DEMO_STAFF_CARD_HASH = (
    "scrypt$4096$8$1$6b696f736b2d64656d6f2d6361726421"
    "$801f449c390fa3cdc2d96aa26b713e8ac88853cddadacc5974cbb0956cdcffe4"
)
_N, _R, _P = 2**14, 8, 1
#: scrypt cost of card hashes: a quarter of the PIN's, because each code scanned on the home
#: screen is checked against the list (~11 ms a hash on a kiosk PC; entries made with one
#: site salt, ``--salt``, share that one hash). Trying a million card numbers against a
#: stolen settings file still takes hours.
CARD_N = 2**12


def pin_problem(pin: str) -> str | None:
    """Why ``pin`` cannot be a nurses' PIN (:data:`PIN_RULE`), or None when it can. Only the
    ASCII digits a keypad has count: "１２３４" or "½" would be a PIN no keypad can type."""
    if pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX:
        return None
    return PIN_RULE


def hash_pin(pin: str, *, salt: bytes | None = None, n: int = _N) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex), for the settings file."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=_R, p=_P, dklen=32)
    return f"scrypt${n}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str, cache: dict[str, str] | None = None) -> bool:
    """Whether ``pin`` hashes to ``stored``. ``cache`` (the same secret only) keeps each
    scrypt result by its parameters and salt, so entries sharing a salt cost one hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        key = f"{n}${r}${p}${salt}"
        got = cache.get(key) if cache is not None else None
        if got is None:
            got = hashlib.scrypt(
                pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
            ).hex()
            if cache is not None:
                cache[key] = got
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got, digest)


def normalise_card(number: str) -> str:
    """A card number as it is hashed and compared: no spaces, upper case (an ID card's X)."""
    return "".join(number.split()).upper()


def hash_card(number: str, *, salt: bytes | None = None) -> str:
    """The hash of a staff card number (its own salt), for ``[ui] staff_cards``."""
    return hash_pin(normalise_card(number), salt=salt, n=CARD_N)


@dataclass(frozen=True)
class StaffCard:
    """One ``[ui] staff_cards`` entry: who (for the audit log) and the card number's hash."""

    label: str
    hash: str

    @classmethod
    def parse(cls, entry: str, index: int = 0) -> StaffCard:
        """``"label:scrypt$..."`` or a bare hash (then labelled ``staff-card-<index + 1>``)."""
        label, _, stored = entry.strip().rpartition(":")
        return cls(label.strip() or f"staff-card-{index + 1}", stored)


def staff_cards(entries: Iterable[str]) -> tuple[StaffCard, ...]:
    return tuple(StaffCard.parse(entry, i) for i, entry in enumerate(entries))


@dataclass(frozen=True)
class PinAnswer:
    ok: bool
    tries_left: int = MAX_FAILURES
    locked_for: int = 0
    """Seconds until another try is allowed (0: not locked)."""
    closed: bool = False
    """No PIN is set: maintenance cannot be entered from the screen."""
    staff: str = ""
    """The label of the staff card that matched (cards only)."""
    staff_card: bool = False
    """The card read is a staff card (also when it was refused because the gate is locked)."""


class PinGate:
    """Checks PINs and staff cards; after ``MAX_FAILURES`` wrong ones in a row (PINs, and cards
    read on the login screen), refuses all of them for ``lockout_s``."""

    def __init__(
        self,
        stored_hash: str,
        lockout_s: float,
        clock: Callable[[], float] = time.monotonic,
        cards: Sequence[StaffCard] = (),
    ) -> None:
        self.stored_hash = stored_hash
        self.cards = tuple(cards)
        self.lockout_s = lockout_s
        self.clock = clock
        self.failures = 0
        self.locked_until = 0.0
        self._lock = threading.Lock()  # checked on a worker thread (scrypt takes ~50 ms)

    def check(self, pin: str) -> PinAnswer:
        with self._lock:
            return self._check(pin)

    def _check(self, pin: str) -> PinAnswer:
        if not self.stored_hash:
            return PinAnswer(False, closed=True)
        now = self.clock()
        if now < self.locked_until:
            return PinAnswer(False, 0, int(self.locked_until - now + 0.999))
        if pin_problem(pin) is None and verify_pin(pin, self.stored_hash):
            self.failures = 0
            return PinAnswer(True)
        return self._failed(now)

    def check_card(self, number: str, *, counts: bool) -> PinAnswer:
        """Whether ``number`` is a staff card's, and whether it opens maintenance now.

        ``counts``: a card that is not a staff card is a failed try (the login screen). Off
        (the home screen), such a card is simply a patient's, and every card on the list is
        checked even while the gate is locked, so a staff card is never taken for a patient's.
        """
        with self._lock:
            now = self.clock()
            locked_for = int(self.locked_until - now + 0.999) if now < self.locked_until else 0
            if counts and locked_for:
                return PinAnswer(False, 0, locked_for)
            wanted = normalise_card(number)
            hashed: dict[str, str] = {}  # cards sharing a salt cost one scrypt together
            card = next(
                (c for c in self.cards if wanted and verify_pin(wanted, c.hash, hashed)), None
            )
            if card is not None:
                if locked_for:
                    return PinAnswer(False, 0, locked_for, staff=card.label, staff_card=True)
                self.failures = 0
                return PinAnswer(True, staff=card.label, staff_card=True)
            if not counts:
                return PinAnswer(False, MAX_FAILURES - self.failures)
            if not self.cards and not self.stored_hash:
                return PinAnswer(False, closed=True)
            return self._failed(now)

    def _failed(self, now: float) -> PinAnswer:
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            self.failures = 0
            self.locked_until = now + self.lockout_s
            return PinAnswer(False, 0, int(self.lockout_s))
        return PinAnswer(False, MAX_FAILURES - self.failures)
