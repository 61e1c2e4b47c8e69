"""A large generated archive for the ID-card look-up tests and benchmark (issue 16).

Study ``i`` (0-based) belongs to patient ``i // STUDIES_PER_PATIENT``; every study is one CR
instance of 8 x 8 pixels. Everything is derived from the index (UIDs, IDs, dates), so the
archive of 1,000 studies is the first 1,000 of the one of 10,000, and seeding an Orthanc that
already holds the first N only uploads the rest. Patient ``p``:

* PatientID ``LK<p:07d>``, and its resident ID number (:func:`id_number`) in OtherPatientIDs;
* every tenth patient (``p % 10 == 0``) is registered under the ID number itself as PatientID
  (and has no OtherPatientIDs), as hospitals that use the ID number as PatientID do;
* all share a handful of names, so a name never tells two patients apart.

The generated files are cached under ``/tmp/kiosk-lookup-archive`` (``KIOSK_LOOKUP_CACHE``);
uploads go to ``/instances`` with a few threads (10,000 studies: about 2 minutes the first
time on 2 cores, files generated as they go). The archive lives in an Orthanc of its own
(:func:`archive_orthanc`: ``ONLY=orthanc`` under ``/tmp/lookup-orthanc``, ``KEEP_DATA=1``,
so its database outlives a stop and the next run only starts it), never the shared one whose
archive other tests clear::

    python -m tests.helpers.lookup_archive --studies 10000 [--url http://127.0.0.1:8742]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from pydicom import dcmwrite
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ComputedRadiographyImageStorage, ExplicitVRLittleEndian

from kiosk_app.core.credentials import id_check_digit

STUDIES_PER_PATIENT = 3
CACHE = Path(os.environ.get("KIOSK_LOOKUP_CACHE", "/tmp/kiosk-lookup-archive"))
RUN = Path(os.environ.get("KIOSK_LOOKUP_RUN", "/tmp/lookup-orthanc"))
REPO = Path(__file__).resolve().parents[2]
_ROOT = "2.25."
_NAMES = ("张^三", "李^四", "王^五", "赵^六")


def patient_of(study: int) -> int:
    return study // STUDIES_PER_PATIENT


def id_number(patient: int) -> str:
    """Patient ``patient``'s 18-digit resident ID number (valid check digit)."""
    year = 1940 + patient % 60
    day = 1 + patient % 28
    month = 1 + (patient // 28) % 12
    first17 = f"3301{patient // 1000 % 100:02d}{year:04d}{month:02d}{day:02d}{patient % 1000:03d}"
    return first17 + id_check_digit(first17)


def patient_id(patient: int) -> str:
    return id_number(patient) if patient % 10 == 0 else f"LK{patient:07d}"


def study_uid(study: int) -> str:
    return f"{_ROOT}16{study + 1:010d}"


def studies_of(patient: int, size: int) -> list[str]:
    """The StudyInstanceUIDs of ``patient`` in the archive of ``size`` studies."""
    first = patient * STUDIES_PER_PATIENT
    return [study_uid(s) for s in range(first, min(first + STUDIES_PER_PATIENT, size))]


def _dataset(study: int) -> Dataset:
    patient = patient_of(study)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ComputedRadiographyImageStorage
    ds.SOPClassUID = ComputedRadiographyImageStorage
    ds.SOPInstanceUID = f"{_ROOT}17{study + 1:010d}"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientID = patient_id(patient)
    ds.PatientName = _NAMES[patient % len(_NAMES)]
    if patient % 10:
        ds.OtherPatientIDs = id_number(patient)
    ds.PatientBirthDate = id_number(patient)[6:14]
    ds.PatientSex = "F" if patient % 2 else "M"
    ds.AccessionNumber = f"LKA{study:07d}"
    ds.StudyInstanceUID = study_uid(study)
    ds.StudyDate = f"2026{1 + study % 12:02d}{1 + study % 28:02d}"
    ds.StudyTime = "090000"
    ds.StudyDescription = "Chest PA"
    ds.StudyID = str(study)
    ds.SeriesInstanceUID = f"{_ROOT}18{study + 1:010d}"
    ds.Modality = "CR"
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = bytes((study + k) % 256 for k in range(128))
    return ds


def study_file(study: int) -> bytes:
    """Study ``study``'s instance as Part 10 bytes (from the cache when generated before)."""
    path = CACHE / f"{study // 1000:03d}" / f"{study:07d}.dcm"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    buffer = io.BytesIO()
    dcmwrite(buffer, _dataset(study), enforce_file_format=True)
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data


@dataclass
class Seeded:
    studies: int
    uploaded: int
    seconds: float


def _has_study(http: requests.Session, url: str, study: int) -> bool:
    response = http.post(
        url + "/tools/lookup", data=study_uid(study), timeout=30
    )  # Orthanc: which resources carry this UID
    response.raise_for_status()
    return any(r.get("Type") == "Study" for r in response.json())


def seed(url: str, auth: tuple[str, str], studies: int, *, threads: int = 4) -> Seeded:
    """Make sure the Orthanc at ``url`` holds the archive's first ``studies`` studies.

    Finds the first missing one by bisection (studies are uploaded in order, a prefix at a
    time) and uploads from there, with ``threads`` uploads at once.
    """
    url = url.rstrip("/")
    t0 = time.perf_counter()
    http = requests.Session()
    http.trust_env = False
    http.auth = auth
    low, high = 0, studies  # every study below low is there; high: first known missing
    if _has_study(http, url, studies - 1):
        low = studies
    while low < high:
        middle = (low + high) // 2
        if _has_study(http, url, middle):
            low = middle + 1
        else:
            high = middle
    # Uploads run in parallel, so a run cut short may leave holes just below ``low``: a margin
    # of one batch is uploaded again (Orthanc overwrites identical instances).
    start = max(0, low - 64) if low < studies else studies

    def upload(study: int) -> None:
        response = http.post(
            url + "/instances",
            data=study_file(study),
            headers={"Content-Type": "application/dicom"},
            timeout=60,
        )
        response.raise_for_status()

    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(upload, range(start, studies)):
            pass
    http.close()
    return Seeded(studies, studies - start, time.perf_counter() - t0)


@dataclass(frozen=True)
class ArchiveOrthanc:
    url: str
    dicomweb_url: str
    auth: tuple[str, str]
    started: bool
    """False when it was running already (and is left running)."""


def _answers(url: str, auth: tuple[str, str]) -> bool:
    http = requests.Session()
    http.trust_env = False  # loopback, never through a proxy
    try:
        return http.get(url + "/system", auth=auth, timeout=2).ok
    except requests.RequestException:
        return False
    finally:
        http.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def archive_orthanc(run: Path = RUN) -> Iterator[ArchiveOrthanc]:
    """The look-up archive's Orthanc: the one running under ``run``, else one started there
    (and stopped afterwards; its database stays for the next time)."""
    from tests.helpers.services import parse_env_file

    env_file = run / "env.sh"
    if env_file.is_file():
        env = parse_env_file(env_file.read_text())
        orthanc = ArchiveOrthanc(
            env["ORTHANC_URL"],
            env["ORTHANC_DICOMWEB"],
            (env["ORTHANC_USER"], env["ORTHANC_PASSWORD"]),
            started=False,
        )
        if _answers(orthanc.url, orthanc.auth):
            yield orthanc
            return
    run.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "ONLY": "orthanc",
        "RUN": str(run),
        "KEEP_DATA": "1",
        "ORTHANC_HTTP": str(_free_port()),
        "ORTHANC_DICOM": str(_free_port()),
    }
    script = ["bash", str(REPO / "scripts" / "services.sh")]
    subprocess.run([*script, "start"], env=env, check=True, capture_output=True, timeout=120)
    try:
        values = parse_env_file(env_file.read_text())
        yield ArchiveOrthanc(
            values["ORTHANC_URL"],
            values["ORTHANC_DICOMWEB"],
            (values["ORTHANC_USER"], values["ORTHANC_PASSWORD"]),
            started=True,
        )
    finally:
        subprocess.run([*script, "stop"], env=env, capture_output=True, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Orthanc's REST root; default: archive_orthanc()")
    parser.add_argument("--user", default="kiosk")
    parser.add_argument("--password", default=os.environ.get("ORTHANC_PASSWORD", "kiosk-secret"))
    parser.add_argument("--studies", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if args.url is None:
        with archive_orthanc() as orthanc:
            done = seed(orthanc.url, orthanc.auth, args.studies, threads=args.threads)
    else:
        done = seed(args.url, (args.user, args.password), args.studies, threads=args.threads)
    print(f"{done.studies} studies, {done.uploaded} uploaded in {done.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
