"""The caching source: served from the cache when the cloud is down, fetched again when damaged."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydicom import Dataset, dcmwrite
from pydicom.uid import ExplicitVRLittleEndian
from sqlalchemy import create_engine

from kiosk_app.core.errors import CloudUnavailableError
from kiosk_app.core.models import Exam, InstanceRef
from kiosk_app.sources.cached import CachingSource
from offline_cache.blobs import BlobStore
from offline_cache.keyfile import load_or_create_key
from offline_cache.schema import create_all

EXAM = Exam("1.2.3", "ACC1", "P1", "张三", date(2026, 11, 26), ("CT",), "CT head")
REF = InstanceRef("1.2.3", "1.2.3.4", "1.2.3.4.5", "1.2.840.10008.5.1.4.1.1.2", "CT", 1)


def part10(uid: str) -> bytes:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = uid
    ds.PatientID = "P1"
    ds.file_meta = Dataset()  # type: ignore[assignment]
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


class FakeCloud:
    description = "http://cloud.test/dicom-web"

    def __init__(self) -> None:
        self.up = True
        self.fetches = 0

    def _check(self) -> None:
        if not self.up:
            raise CloudUnavailableError(cloud=self.description, detail="connection refused")

    def find_studies(self, *, accession=None, patient_id=None):  # type: ignore[no-untyped-def]
        self._check()
        return [EXAM]

    def list_instances(self, study_uid):  # type: ignore[no-untyped-def]
        self._check()
        return [REF]

    def fetch_instance_bytes(self, ref):  # type: ignore[no-untyped-def]
        self._check()
        self.fetches += 1
        return part10(ref.sop_uid)

    def fetch_instance(self, ref):  # type: ignore[no-untyped-def]
        raise AssertionError("the cache asks for bytes")

    def ping(self) -> None:
        self._check()


@pytest.fixture
def setup(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'i.db'}")
    create_all(engine)
    blobs = BlobStore(
        tmp_path / "blobs",
        engine,
        load_or_create_key(tmp_path / "k"),
        max_bytes=1 << 20,
        retention=timedelta(days=7),
    )
    cloud = FakeCloud()
    yield cloud, CachingSource(cloud, blobs), blobs
    engine.dispose()


def test_offline_answers_come_from_the_cache(setup) -> None:  # type: ignore[no-untyped-def]
    cloud, source, _ = setup
    assert source.find_studies(accession="ACC1") == [EXAM]
    assert source.list_instances("1.2.3") == [REF]
    source.fetch_instance(REF)
    cloud.up = False
    assert source.find_studies(accession="ACC1") == [EXAM]
    assert source.list_instances("1.2.3") == [REF]
    assert source.fetch_instance(REF).SOPInstanceUID == REF.sop_uid
    assert cloud.fetches == 1  # instances are served from the cache even when the cloud is up


def test_offline_without_cache_says_so(setup) -> None:  # type: ignore[no-untyped-def]
    cloud, source, _ = setup
    cloud.up = False
    with pytest.raises(CloudUnavailableError) as info:
        source.find_studies(accession="OTHER")
    assert info.value.message_id == "cloud.offline_not_cached"
    assert info.value.exit_code == 5
    assert "offline cache" in str(info.value)


def test_a_corrupted_cached_instance_is_fetched_again(setup) -> None:  # type: ignore[no-untyped-def]
    cloud, source, blobs = setup
    source.fetch_instance(REF)
    for path in blobs.root.rglob("*"):
        if path.is_file():
            path.write_bytes(b"garbage")
    assert source.fetch_instance(REF).SOPInstanceUID == REF.sop_uid
    assert cloud.fetches == 2
    cloud.up = False
    assert source.fetch_instances([REF])[0].SOPInstanceUID == REF.sop_uid
