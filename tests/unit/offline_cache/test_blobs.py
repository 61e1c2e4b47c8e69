"""The encrypted blob store: what is on disk, what comes back, and what is thrown away."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from offline_cache.blobs import BlobStore
from offline_cache.errors import CacheFullError, KeyFileError
from offline_cache.keyfile import load_or_create_key

SECRET_PDF = b"%PDF-1.4 ZHANG^SAN patient 110101199003078515 FINDINGS: no fracture %%EOF"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 8, 0, 0)

    def __call__(self) -> datetime:
        return self.now


def store(tmp_path: Path, engine: Engine, *, max_bytes: int = 10_000, clock: Clock | None = None):  # type: ignore[no-untyped-def]
    key = load_or_create_key(tmp_path / "cache.key")
    return BlobStore(
        tmp_path / "blobs",
        engine,
        key,
        max_bytes=max_bytes,
        retention=timedelta(days=7),
        clock=clock or Clock(),
    )


def all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_round_trip_and_no_readable_patient_data_on_disk(tmp_path: Path, engine: Engine) -> None:
    blobs = store(tmp_path, engine)
    blobs.put("instance/1.2.3", SECRET_PDF, "instance")
    assert blobs.get("instance/1.2.3") == SECRET_PDF
    files = all_files(tmp_path / "blobs")
    assert len(files) == 1
    raw = b"".join(f.read_bytes() for f in files) + (tmp_path / "index.db").read_bytes()
    for needle in (b"ZHANG", b"110101199003078515", b"FINDINGS", b"%PDF", b"1.2.3"):
        assert needle not in raw
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


def test_identical_content_is_stored_once(tmp_path: Path, engine: Engine) -> None:
    blobs = store(tmp_path, engine)
    blobs.put("a", b"same bytes")
    blobs.put("b", b"same bytes")
    assert len(all_files(tmp_path / "blobs")) == 1
    assert blobs.usage().bytes == len(b"same bytes")
    assert blobs.get("a") == blobs.get("b") == b"same bytes"


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete", "swap"])
def test_a_damaged_blob_is_dropped_and_reads_as_missing(
    tmp_path: Path, engine: Engine, damage: str
) -> None:
    blobs = store(tmp_path, engine)
    address = blobs.put("x", b"A" * 500)
    other = blobs.put("y", b"B" * 500)
    path = blobs.path_of(address)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[:40]))
    elif damage == "delete":
        path.unlink()
    else:  # another valid blob put in its place
        path.write_bytes(blobs.path_of(other).read_bytes())
    assert blobs.get("x") is None
    assert not blobs.contains("x")
    assert not path.exists()
    assert blobs.get("y") == b"B" * 500
    # Fetched again, it is stored again.
    blobs.put("x", b"A" * 500)
    assert blobs.get("x") == b"A" * 500


def test_cap_evicts_least_recently_used(tmp_path: Path, engine: Engine) -> None:
    clock = Clock()
    blobs = store(tmp_path, engine, max_bytes=3000, clock=clock)
    for name in ("one", "two", "three"):
        clock.now += timedelta(seconds=1)
        blobs.put(name, name.encode() * (1000 // len(name)))
    clock.now += timedelta(seconds=1)
    assert blobs.get("one") is not None  # "two" is now the least recently used
    clock.now += timedelta(seconds=1)
    blobs.put("four", b"4" * 1000)
    assert blobs.usage().bytes <= 3000
    assert blobs.get("two") is None
    assert blobs.get("one") is not None and blobs.get("four") is not None
    assert len(all_files(tmp_path / "blobs")) == blobs.usage().blobs


def test_a_blob_larger_than_the_cap_is_refused(tmp_path: Path, engine: Engine) -> None:
    blobs = store(tmp_path, engine, max_bytes=100)
    with pytest.raises(CacheFullError):
        blobs.put("big", b"x" * 101)
    assert blobs.usage().bytes == 0


def test_retention_purges_patient_data(tmp_path: Path, engine: Engine) -> None:
    clock = Clock()
    blobs = store(tmp_path, engine, clock=clock)
    blobs.put("old", b"old data")
    clock.now += timedelta(days=6)
    blobs.put("new", b"new data")
    clock.now += timedelta(days=1, seconds=1)
    assert blobs.get("old") is None
    assert blobs.purge_expired() == 0  # already purged by the read
    assert blobs.get("new") == b"new data"
    assert len(all_files(tmp_path / "blobs")) == 1


def test_a_stale_temporary_file_never_counts_as_a_blob(tmp_path: Path, engine: Engine) -> None:
    blobs = store(tmp_path, engine)
    address = blobs.put("x", b"data")
    # A crash mid-write leaves only a temporary name; the real name still holds a whole blob.
    (blobs.path_of(address).parent / f".{address[2:]}.999.1.tmp").write_bytes(b"half")
    assert blobs.get("x") == b"data"


def test_the_key_file_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "cache.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cache.key"
    load_or_create_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="0600"):
        load_or_create_key(path)


def test_another_key_cannot_read_the_blobs(tmp_path: Path, engine: Engine) -> None:
    blobs = store(tmp_path, engine)
    address = blobs.put("x", SECRET_PDF)
    intruder = BlobStore(
        tmp_path / "blobs", engine, os.urandom(32), max_bytes=10_000, clock=Clock()
    )
    assert intruder._read(address) is None
