"""QIDO-RS paging against real Orthanc: small pages, and an Orthanc that caps its answers;
and compressed instances fetched as stored, not decompressed by the server.

The capped one is a private Orthanc (``ONLY=orthanc scripts/services.sh start`` with its own
RUN and ports, ``ORTHANC_LIMIT_FIND=10``), started for this module and stopped by its PID.
Orthanc 1.10 caps silently: no Warning 299, and ``offset`` cannot reach past the cap, so only
the kiosk's check against the study's instance count finds the rest.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from kiosk_app.sources.dicomweb import DicomWebSource
from tests.helpers.dicom_builders import image_series
from tests.helpers.large_ct import LargeStudy, encode_slice
from tests.helpers.services import OrthancClient, parse_env_file

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CAP = 10


def series_of(n: int) -> tuple[str, list[pydicom.Dataset]]:
    ct = get_testdata_file("CT_small.dcm", download=False)
    uid = pydicom.uid.generate_uid()
    images = image_series(
        ct, n=n, patient_id="PAGE001", patient_name="Page^Test", accession="ACCPAGE1", study_uid=uid
    )
    return uid, images


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def capped_orthanc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrthancClient]:
    if os.geteuid() != 0:
        pytest.skip("scripts/services.sh starts Orthanc as root only")
    if not Path("/usr/sbin/Orthanc").exists():
        pytest.skip("Orthanc is not installed (scripts/setup.sh)")
    run = tmp_path_factory.mktemp("capped-orthanc")
    env = {
        **os.environ,
        "ONLY": "orthanc",
        "RUN": str(run),
        "ORTHANC_HTTP": str(free_port()),
        "ORTHANC_DICOM": str(free_port()),
        "ORTHANC_LIMIT_FIND": str(CAP),
    }
    started = subprocess.run(
        ["bash", str(ROOT / "scripts" / "services.sh"), "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    pid_file = run / "orthanc.pid"
    try:
        if started.returncode != 0:
            pytest.fail(f"private Orthanc did not start: {started.stderr[-500:]}")
        values = parse_env_file((run / "env.sh").read_text())
        yield OrthancClient(
            values["ORTHANC_URL"],
            values["ORTHANC_DICOMWEB"],
            (values["ORTHANC_USER"], values["ORTHANC_PASSWORD"]),
        )
    finally:
        if pid_file.is_file():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGTERM)
            end = time.monotonic() + 20
            while time.monotonic() < end:
                with suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
                stat = Path(f"/proc/{pid}/stat")
                if not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    break
                time.sleep(0.1)


def test_small_pages_list_every_instance(orthanc) -> None:  # type: ignore[no-untyped-def]
    uid, images = series_of(23)
    for ds in images:
        orthanc.upload(ds)
    user, password = orthanc.auth
    source = DicomWebSource(
        orthanc.dicomweb_url, username=user, password=password, qido_page_size=7
    )
    refs = source.list_instances(uid)
    assert sorted(r.sop_uid for r in refs) == sorted(str(ds.SOPInstanceUID) for ds in images)
    series = source.search_series(uid)
    assert len(series) == 1


def test_an_orthanc_capping_its_answers_still_lists_the_whole_series(capped_orthanc) -> None:  # type: ignore[no-untyped-def]
    uid, images = series_of(3 * CAP + 2)
    for ds in images:
        capped_orthanc.upload(ds)
    user, password = capped_orthanc.auth
    source = DicomWebSource(capped_orthanc.dicomweb_url, username=user, password=password)
    # the cap is real: QIDO-RS alone, even paged, stops short without saying so
    assert len(source.search_instances(uid)) < len(images)
    refs = source.list_instances(uid)
    assert sorted(r.sop_uid for r in refs) == sorted(str(ds.SOPInstanceUID) for ds in images)
    assert {r.modality for r in refs} == {"CT"}
    assert sorted(r.instance_number or 0 for r in refs) == sorted(
        int(ds.InstanceNumber) for ds in images
    )


@pytest.mark.parametrize("syntax", ["jpeg-lossless", "j2k-lossless"])
def test_compressed_instances_come_as_stored(orthanc, syntax: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if syntax == "jpeg-lossless" and not shutil.which("dcmcjpeg"):
        pytest.skip("dcmcjpeg (dcmtk) is not installed")
    study = LargeStudy(syntax, slices=3, size=128)
    stored = [encode_slice(study, i, tmp_path) for i in range(3)]
    for data in stored:
        orthanc.upload(data)
    user, password = orthanc.auth
    source = DicomWebSource(orthanc.dicomweb_url, username=user, password=password)
    refs = sorted(source.list_instances(str(study.study_uid)), key=lambda r: r.instance_number or 0)
    # byte for byte what was stored: compressed, in its own transfer syntax
    assert source.fetch_instances_bytes(refs) == stored
    ds = source.fetch_instance(refs[1])
    assert ds.file_meta.TransferSyntaxUID == study.transfer_syntax
    np.testing.assert_array_equal(
        ds.pixel_array, pydicom.dcmread(io.BytesIO(stored[1])).pixel_array
    )
    transcoded = DicomWebSource(
        orthanc.dicomweb_url, username=user, password=password, stored_syntax=False
    ).fetch_instance_bytes(refs[1])
    assert len(transcoded) > len(stored[1])  # what Orthanc sends when left to choose
