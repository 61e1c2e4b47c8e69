"""The nurses' PIN: stored as a salted scrypt hash, locked for a while after 5 wrong tries.

Make a hash for ``[ui] staff_pin_hash`` with ``python -m kiosk_app.ui.maintenance.pin``.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_FAILURES = 5
DEMO_PIN = "1234"
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex), for the settings file."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got.hex(), digest)


@dataclass(frozen=True)
class PinAnswer:
    ok: bool
    tries_left: int = MAX_FAILURES
    locked_for: int = 0
    """Seconds until another try is allowed (0: not locked)."""
    closed: bool = False
    """No PIN is set: maintenance cannot be entered from the screen."""


class PinGate:
    """Checks PINs; after ``MAX_FAILURES`` wrong ones in a row, refuses all for ``lockout_s``."""

    def __init__(
        self,
        stored_hash: str,
        lockout_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stored_hash = stored_hash
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
        if verify_pin(pin, self.stored_hash):
            self.failures = 0
            return PinAnswer(True)
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            self.failures = 0
            self.locked_until = now + self.lockout_s
            return PinAnswer(False, 0, int(self.lockout_s))
        return PinAnswer(False, MAX_FAILURES - self.failures)


def main() -> int:
    pin = getpass.getpass("New maintenance PIN (4-12 digits): ")
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        print("a PIN is 4 to 12 digits", file=sys.stderr)
        return 2
    if getpass.getpass("Again: ") != pin:
        print("the two PINs differ", file=sys.stderr)
        return 2
    print(hash_pin(pin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
