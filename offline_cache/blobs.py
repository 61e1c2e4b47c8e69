"""A content-addressed blob store, encrypted at rest, with a size cap and a retention limit.

* Each blob is one file named by a keyed hash (HMAC-SHA256) of its plaintext: identical content
  is stored once, and the name reveals nothing about the content to someone without the key.
* Files hold ``MAGIC | nonce | AES-256-GCM(plaintext)``, the address as associated data. They
  are written to a temporary file, flushed to disk and renamed into place, so a crash never
  leaves half a blob under a real name.
* Reading decrypts (GCM authenticates) and checks the hash again; a damaged or missing file is
  dropped from the index and reported as a miss, so the caller fetches it again.
* Logical names (``instance/<uid>``...) are stored as keyed hashes too: neither the files nor the
  index hold a patient's name, ID or report text.
* The total size stays under ``max_bytes``: the least recently used blobs go first. Entries older
  than ``retention`` are purged with their blobs.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.dialects.sqlite import insert

from offline_cache.errors import CacheFullError
from offline_cache.schema import cache_blobs, cache_entries

log = logging.getLogger(__name__)

MAGIC = b"KCB1"
NONCE_BYTES = 12


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class CacheUsage:
    """How full the cache is."""

    bytes: int
    blobs: int
    entries: int
    max_bytes: int


class BlobStore:
    """Blobs under ``root``, indexed in ``engine``'s ``cache_blobs``/``cache_entries`` tables.

    Args:
        root: the folder for blob files (created 0700).
        engine: a database holding :mod:`offline_cache.schema`'s tables.
        key: 32 bytes from :func:`offline_cache.keyfile.load_or_create_key`.
        max_bytes: cap on the stored plaintext bytes.
        retention: how long an entry may stay (patient data is purged after it).
        clock: returns naive UTC datetimes; injected for tests.
    """

    def __init__(
        self,
        root: Path,
        engine: Engine,
        key: bytes,
        *,
        max_bytes: int,
        retention: timedelta = timedelta(days=7),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.root = root
        self.engine = engine
        self.max_bytes = max_bytes
        self.retention = retention
        self.clock = clock
        self._mac_key = hmac.new(key, b"kiosk-cache-mac", hashlib.sha256).digest()
        self._aead = AESGCM(hmac.new(key, b"kiosk-cache-enc", hashlib.sha256).digest())
        self._lock = threading.Lock()
        #: blobs evicted for space since this store was opened (a sign the cap is too small)
        self.evicted = 0
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    # ------------------------------------------------------------------ naming

    def address_of(self, data: bytes) -> str:
        return hmac.new(self._mac_key, b"blob:" + data, hashlib.sha256).hexdigest()

    def _name(self, name: str) -> str:
        return hmac.new(self._mac_key, b"name:" + name.encode(), hashlib.sha256).hexdigest()

    def path_of(self, address: str) -> Path:
        return self.root / address[:2] / address[2:]

    # ------------------------------------------------------------------ reading and writing

    def put(self, name: str, data: bytes, kind: str = "blob") -> str:
        """Store ``data`` under ``name`` (replacing what was there); returns its address."""
        if len(data) > self.max_bytes:
            raise CacheFullError(f"{len(data)} bytes do not fit a {self.max_bytes}-byte cache")
        address = self.address_of(data)
        path = self.path_of(address)
        now = self.clock()
        if not path.exists():
            self._write(path, address, data)
        with self._lock, self.engine.begin() as conn:
            conn.execute(
                insert(cache_blobs)
                .values(address=address, size=len(data), stored_at=now, last_used=now)
                .on_conflict_do_update(index_elements=["address"], set_={"last_used": now})
            )
            conn.execute(
                insert(cache_entries)
                .values(name=self._name(name), address=address, kind=kind, stored_at=now)
                .on_conflict_do_update(
                    index_elements=["name"],
                    set_={"address": address, "kind": kind, "stored_at": now},
                )
            )
        self.evict(keep=address)
        return address

    def get(self, name: str) -> bytes | None:
        """The blob stored under ``name``; None when absent, expired or damaged (then dropped)."""
        hashed = self._name(name)
        with self.engine.begin() as conn:
            row = conn.execute(
                select(cache_entries.c.address, cache_entries.c.stored_at).where(
                    cache_entries.c.name == hashed
                )
            ).first()
        if row is None:
            return None
        address, stored_at = row
        if stored_at + self.retention <= self.clock():
            self.purge_expired()
            return None
        data = self._read(address)
        if data is None:
            self.drop_blob(address)
            return None
        with self.engine.begin() as conn:
            conn.execute(
                update(cache_blobs)
                .where(cache_blobs.c.address == address)
                .values(last_used=self.clock())
            )
        return data

    def contains(self, name: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(cache_entries.c.stored_at).where(cache_entries.c.name == self._name(name))
            ).first()
        return row is not None and row[0] + self.retention > self.clock()

    def _write(self, path: Path, address: str, data: bytes) -> None:
        path.parent.mkdir(exist_ok=True, mode=0o700)
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = MAGIC + nonce + self._aead.encrypt(nonce, data, address.encode())
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(sealed)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _read(self, address: str) -> bytes | None:
        path = self.path_of(address)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            log.warning("cache blob %s… is missing; dropped", address[:12])
            return None
        if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + NONCE_BYTES + 16:
            log.warning("cache blob %s… is damaged (bad header); dropped", address[:12])
            return None
        nonce = sealed[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        try:
            data = self._aead.decrypt(nonce, sealed[len(MAGIC) + NONCE_BYTES :], address.encode())
        except InvalidTag:
            log.warning("cache blob %s… is damaged (authentication failed); dropped", address[:12])
            return None
        if not hmac.compare_digest(self.address_of(data), address):
            log.warning("cache blob %s… does not match its hash; dropped", address[:12])
            return None
        return data

    # ------------------------------------------------------------------ housekeeping

    def drop_blob(self, address: str) -> None:
        """Forget a blob and every name pointing at it, and delete its file."""
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(cache_entries).where(cache_entries.c.address == address))
            conn.execute(delete(cache_blobs).where(cache_blobs.c.address == address))
        self.path_of(address).unlink(missing_ok=True)

    def evict(self, keep: str | None = None) -> int:
        """Drop least recently used blobs until the total fits ``max_bytes``; returns how many."""
        dropped = 0
        while True:
            with self.engine.connect() as conn:
                total = conn.execute(
                    select(func.coalesce(func.sum(cache_blobs.c.size), 0))
                ).scalar_one()
                if total <= self.max_bytes:
                    return dropped
                query = select(cache_blobs.c.address).order_by(cache_blobs.c.last_used)
                if keep:
                    query = query.where(cache_blobs.c.address != keep)
                victim = conn.execute(query.limit(1)).scalar()
            if victim is None:
                return dropped
            self.drop_blob(victim)
            self.evicted += 1
            dropped += 1

    def purge_expired(self) -> int:
        """Drop every entry older than the retention limit, and blobs nothing points at."""
        limit = self.clock() - self.retention
        with self._lock, self.engine.begin() as conn:
            result = conn.execute(delete(cache_entries).where(cache_entries.c.stored_at <= limit))
            purged = result.rowcount or 0
            orphans = (
                conn.execute(
                    select(cache_blobs.c.address).where(
                        ~cache_blobs.c.address.in_(select(cache_entries.c.address))
                    )
                )
                .scalars()
                .all()
            )
            if orphans:
                conn.execute(delete(cache_blobs).where(cache_blobs.c.address.in_(orphans)))
        for address in orphans:
            self.path_of(address).unlink(missing_ok=True)
        if purged:
            log.info("cache: purged %d expired entries, %d blobs", purged, len(orphans))
        return purged

    def usage(self) -> CacheUsage:
        with self.engine.connect() as conn:
            size, blobs = conn.execute(
                select(func.coalesce(func.sum(cache_blobs.c.size), 0), func.count())
            ).one()
            entries = conn.execute(select(func.count()).select_from(cache_entries)).scalar_one()
        return CacheUsage(int(size), int(blobs), int(entries), self.max_bytes)
