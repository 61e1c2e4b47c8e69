"""Who may call the health endpoint, and how often.

Two roles. ``read`` is the scraper's: ``/status`` and ``/metrics``, with ``[health] token``.
``operate`` is the monitoring centre's operator: the remote operations under ``/ops/`` (and what
``read`` may see), with a named operator token from ``[health] operators`` or, over HTTPS with
``[health] client_ca``, a client certificate that CA signed. A scraper's token can never change
anything.

Operator tokens are kept in the settings only as their SHA-256 (a token is 32 random bytes, so
a fast hash suffices and a request costs no key stretching); every check compares against every
configured credential with :func:`hmac.compare_digest`, so neither the answer's time nor its
path tells which entry, or how much of one, matched.

Make an operator token with ``python -m kiosk_app.health.access NAME``: it prints the token
(give it to the operator) and the line for ``[health] operators``.
"""

from __future__ import annotations

import argparse
import enum
import hashlib
import hmac
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

_NAME = re.compile(r"^[A-Za-z0-9._-]{2,24}$")
_ENTRY = re.compile(r"^([A-Za-z0-9._-]{2,24}):sha256\$([0-9a-f]{64})$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Role(enum.IntEnum):
    """What a caller may do; a higher role may do everything a lower one may."""

    NONE = 0
    READ = 1
    OPERATE = 2


@dataclass(frozen=True)
class Caller:
    """Who made a request, as the audit log names them."""

    role: Role
    identity: str
    """``read`` (the scraper token), ``operator:NAME``, ``cert:CN`` or ``anonymous``."""
    source: str
    """The peer's address."""

    @property
    def staff_id(self) -> str:
        """The identity in the shape the maintenance services take for a staff id."""
        kind, _, name = self.identity.partition(":")
        tag = "cert" if kind == "cert" else "remote"
        return f"{tag}.{_UNSAFE.sub('_', name or kind)}"[:32]


def token_entry(name: str, token: str) -> str:
    """The ``[health] operators`` entry for operator ``name`` with ``token``."""
    if not _NAME.match(name):
        raise ValueError("an operator name is 2-24 letters, digits, '.', '_' or '-'")
    return f"{name}:sha256${_digest(token)}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Credentials:
    """The configured credentials; :meth:`check` names the caller of one request."""

    def __init__(self, read_token: str, operators: Iterable[str]) -> None:
        self._read = _digest(read_token) if read_token else ""
        self._operators: list[tuple[str, str]] = []
        for entry in operators:
            match = _ENTRY.match(entry.strip())
            if match is None:
                raise ValueError(f"not an operator entry: {entry.split(':', 1)[0]}:...")
            self._operators.append((match.group(1), match.group(2)))

    @property
    def operators(self) -> bool:
        return bool(self._operators)

    def check(self, authorization: str, certificate: Mapping[str, object] | None) -> Role | str:
        """The role of a bearer token, or the operator's name; :attr:`Role.NONE` if none.

        ``certificate``: the peer's verified certificate (``ssl.SSLSocket.getpeercert()``),
        whose holder is an operator.
        """
        scheme, _, given = authorization.partition(" ")
        offered = _digest(given.strip()) if scheme.lower() == "bearer" and given.strip() else ""
        # Every comparison runs, whatever matched first.
        found: Role | str = Role.NONE
        if self._read and hmac.compare_digest(offered or "-", self._read):
            found = Role.READ
        for name, digest in self._operators:
            if hmac.compare_digest(offered or "-", digest):
                found = name
        if not isinstance(found, str) and certificate:
            name = common_name(certificate)
            if name:  # a certificate the centre's CA signed: an operator
                return f"cert:{name}"
        return found


def common_name(certificate: Mapping[str, object]) -> str:
    """The subject's common name of a certificate as ``getpeercert()`` gives it."""
    subject = certificate.get("subject") or ()
    for rdn in subject:  # type: ignore[attr-defined]
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return ""


def caller(found: Role | str, source: str) -> Caller:
    """The :class:`Caller` for what :meth:`Credentials.check` found."""
    if isinstance(found, str):
        if found.startswith("cert:"):
            return Caller(Role.OPERATE, found, source)
        return Caller(Role.OPERATE, f"operator:{found}", source)
    if found is Role.READ:
        return Caller(Role.READ, "read", source)
    return Caller(Role.NONE, "anonymous", source)


class RateLimiter:
    """A token bucket per key (the source address): ``per_minute`` calls, a burst of as many.

    :meth:`allow` says whether one more call may go now; :meth:`first_refusal` whether this
    refusal is the first since the key last got through (the audit log records that one and
    counts the rest, so a flood cannot fill it).
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self._refused: dict[str, int] = {}

    def allow(self, key: str) -> bool:
        with self._lock:
            now = self.clock()
            level, at = self._buckets.get(key, (self.capacity, now))
            level = min(self.capacity, level + (now - at) * self.rate)
            if level >= 1.0:
                self._buckets[key] = (level - 1.0, now)
                self._refused.pop(key, None)
                return True
            self._buckets[key] = (level, now)
            self._refused[key] = self._refused.get(key, 0) + 1
            if len(self._buckets) > 4096:  # forget the quietest sources, never grow unbounded
                for stale in sorted(self._buckets, key=lambda k: self._buckets[k][1])[:1024]:
                    self._buckets.pop(stale, None)
                    self._refused.pop(stale, None)
            return False

    def refused_in_a_row(self, key: str) -> int:
        """How many calls from ``key`` were refused since it last got through."""
        with self._lock:
            return self._refused.get(key, 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk_app.health.access",
        description="Make an operator token for the kiosk's remote operations.",
    )
    parser.add_argument("name", help="the operator's name in the audit log (2-24 characters)")
    args = parser.parse_args(argv)
    token = secrets.token_urlsafe(32)
    try:
        entry = token_entry(args.name, token)
    except ValueError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    print(f"token (give to {args.name}; shown once): {token}")
    print(f'[health] operators entry:               "{entry}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
