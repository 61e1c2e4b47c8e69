"""Prefetch rounds: final exams cached whole, drafts not, the cap respected, failures survived."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydicom import Dataset, dcmwrite
from sqlalchemy import create_engine

from kiosk_app.core.errors import CloudUnavailableError
from kiosk_app.core.models import Exam, InstanceRef
from kiosk_app.services.prefetch import Prefetcher, PrefetchTask
from kiosk_app.sources.cached import CachingSource
from offline_cache.blobs import BlobStore
from offline_cache.keyfile import load_or_create_key
from offline_cache.schema import create_all
from tests.helpers.sr_builders import ENHANCED_SR, make_sr

CT = "1.2.840.10008.5.1.4.1.1.2"


def to_bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=False)
    return buffer.getvalue()


class FakeCloud:
    """Two studies: S1 with a final SR and 3 images, S2 with a draft SR and 2 images."""

    description = "http://cloud.test/dicom-web"

    def __init__(self, image_bytes: int = 1000) -> None:
        self.up = True
        self.queries: list[dict[str, str]] = []
        self.fetched: list[str] = []
        self.instances: dict[str, bytes] = {}
        self.refs: dict[str, list[InstanceRef]] = {}
        self.exams: dict[str, Exam] = {}
        for study, final, n in (("1.1", True, 3), ("1.2", False, 2)):
            self.exams[study] = Exam(study, f"A{study}", f"P{study}", "N", None, ("CT",), "")
            sr = make_sr(
                patient_id=f"P{study}",
                patient_name="N",
                accession=f"A{study}",
                study_uid=study,
                findings="ok",
                impression="ok",
                sop_class_uid=ENHANCED_SR,
                final=final,
            )
            refs = [InstanceRef(study, "9.9", sr.SOPInstanceUID, ENHANCED_SR, "SR")]
            self.instances[sr.SOPInstanceUID] = to_bytes(sr)
            for i in range(n):
                uid = f"{study}.5.{i}"
                refs.append(InstanceRef(study, f"{study}.5", uid, CT, "CT", i + 1))
                self.instances[uid] = b"\0" * image_bytes + uid.encode()
            self.refs[study] = refs

    def search_studies(self, params, fields=()):  # type: ignore[no-untyped-def]
        self.queries.append(dict(params))
        if not self.up:
            raise CloudUnavailableError(cloud=self.description, detail="refused")
        return [
            {
                "0020000D": {"Value": [s]},
                "00080050": {"Value": [e.accession_number]},
                "00100020": {"Value": [e.patient_id]},
            }
            for s, e in self.exams.items()
        ]

    def find_studies(self, *, accession=None, patient_id=None):  # type: ignore[no-untyped-def]
        if not self.up:
            raise CloudUnavailableError(cloud=self.description, detail="refused")
        return [
            e
            for e in self.exams.values()
            if accession in (None, e.accession_number) and patient_id in (None, e.patient_id)
        ]

    def list_instances(self, study_uid):  # type: ignore[no-untyped-def]
        if not self.up:
            raise CloudUnavailableError(cloud=self.description, detail="refused")
        return self.refs[study_uid]

    def fetch_instance_bytes(self, ref):  # type: ignore[no-untyped-def]
        if not self.up:
            raise CloudUnavailableError(cloud=self.description, detail="refused")
        self.fetched.append(ref.sop_uid)
        return self.instances[ref.sop_uid]

    def fetch_instance(self, ref):  # type: ignore[no-untyped-def]
        raise AssertionError

    def ping(self) -> None:
        pass


def make(tmp_path: Path, cloud: FakeCloud, max_bytes: int = 1 << 20):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'i.db'}")
    create_all(engine)
    blobs = BlobStore(
        tmp_path / "b",
        engine,
        load_or_create_key(tmp_path / "k"),
        max_bytes=max_bytes,
        retention=timedelta(days=7),
    )
    cache = CachingSource(cloud, blobs)
    prefetcher = Prefetcher(cloud, cache, window_days=3, today=lambda: date(2026, 11, 26), chunk=1)
    return prefetcher, cache


def test_a_round_caches_final_exams_whole_and_only_reports_of_drafts(tmp_path: Path) -> None:
    cloud = FakeCloud()
    prefetcher, cache = make(tmp_path, cloud)
    report = prefetcher.run_once()
    assert cloud.queries[0]["StudyDate"] == "20261124-20261126"
    assert (report.studies_seen, report.studies_cached, report.not_final) == (2, 1, 1)
    assert all(cache.has_instance(r) for r in cloud.refs["1.1"])
    assert not any(cache.has_instance(r) for r in cloud.refs["1.2"] if r.modality == "CT")
    # The cloud goes down: the visit's searches and every instance come from the cache.
    cloud.up = False
    assert [e.study_uid for e in cache.find_studies(accession="A1.1")] == ["1.1"]
    assert [e.study_uid for e in cache.find_studies(patient_id="P1.1")] == ["1.1"]
    assert len(cache.fetch_instances(cloud.refs["1.1"])) == 4


def test_a_second_round_fetches_nothing_again(tmp_path: Path) -> None:
    cloud = FakeCloud()
    prefetcher, _ = make(tmp_path, cloud)
    prefetcher.run_once()
    before = len(cloud.fetched)
    assert prefetcher.run_once().instances_fetched == 0
    assert len(cloud.fetched) == before


def test_a_round_stops_before_the_cache_is_full(tmp_path: Path) -> None:
    cloud = FakeCloud(image_bytes=4000)
    prefetcher, cache = make(tmp_path, cloud, max_bytes=6000)
    report = prefetcher.run_once()
    assert report.stopped_full
    assert cache.blobs.usage().bytes <= 6000


@pytest.mark.allow_error_logs
def test_cloud_down_is_reported_and_the_task_keeps_running(tmp_path: Path) -> None:
    cloud = FakeCloud()
    cloud.up = False
    prefetcher, _ = make(tmp_path, cloud)
    report = prefetcher.run_once()
    assert report.errors and report.studies_cached == 0
    task = PrefetchTask(prefetcher, interval=0.01)
    task.start()
    import time

    deadline = time.monotonic() + 5
    while len(cloud.queries) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    task.stop()
    assert len(cloud.queries) >= 3
