"""A large compressed CT study for benchmarks and tests: 600 slices of 512 x 512, 12 bits.

Synthetic patients only. Each slice is a chest/abdomen-like cross-section that changes smoothly
along the series (body outline, lungs, heart, liver, spine, the table) with CT-like noise, so
lossless compression gives realistic ratios (about 2:1, not the 50:1 of a flat image). Two
encodings of the same pixels, as separate studies:

* ``jpeg-lossless``: JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14,
  Selection Value 1), 1.2.840.10008.1.2.4.70, encoded by dcmtk's ``dcmcjpeg +e1``;
* ``j2k-lossless``: JPEG 2000 Image Compression (Lossless Only), 1.2.840.10008.1.2.4.90,
  encoded by pydicom with pylibjpeg-openjpeg.

UIDs are fixed per (syntax, slices, size), so :func:`ensure_study` uploads once and then finds
the study already whole in Orthanc (it checks the instance count and skips). Encoded files are
kept in a cache folder, so after an Orthanc restart (which empties the test archive) the upload
does not encode again.

    python tests/helpers/large_ct.py --env /tmp/kiosk-services/env.sh [--syntax jpeg-lossless]
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import requests
from pydicom import Dataset, dcmread, dcmwrite
from pydicom.uid import (
    UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLosslessSV1,
)

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:film-kiosk:benchmark:large-ct")
SLICES = 600
SIZE = 512
SYNTAXES: dict[str, UID] = {"jpeg-lossless": JPEGLosslessSV1, "j2k-lossless": JPEG2000Lossless}
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "kiosk-large-ct"


def fixed_uid(name: str) -> UID:
    return UID(f"2.25.{uuid.uuid5(NAMESPACE, name).int}")


@dataclass(frozen=True)
class LargeStudy:
    """Names and UIDs of one encoding of the large CT."""

    syntax: str = "jpeg-lossless"
    slices: int = SLICES
    size: int = SIZE

    @property
    def key(self) -> str:
        return f"{self.syntax}-{self.slices}-{self.size}"

    @property
    def transfer_syntax(self) -> UID:
        return SYNTAXES[self.syntax]

    @property
    def study_uid(self) -> UID:
        return fixed_uid(f"study-{self.key}")

    @property
    def series_uid(self) -> UID:
        return fixed_uid(f"series-{self.key}")

    def sop_uid(self, index: int) -> UID:
        return fixed_uid(f"sop-{self.key}-{index}")

    @property
    def accession(self) -> str:
        return {"jpeg-lossless": "BENCHLGJPEG", "j2k-lossless": "BENCHLGJ2K"}[self.syntax]

    @property
    def patient_id(self) -> str:
        return {"jpeg-lossless": "BENCHLG001", "j2k-lossless": "BENCHLG002"}[self.syntax]


def _ellipse(
    yy: np.ndarray, xx: np.ndarray, cy: float, cx: float, ry: float, rx: float
) -> np.ndarray:
    return ((yy - cy) / max(ry, 1e-3)) ** 2 + ((xx - cx) / max(rx, 1e-3)) ** 2 < 1


def slice_hu(index: int, slices: int = SLICES, size: int = SIZE) -> np.ndarray:
    """Hounsfield units of slice ``index`` (0 = head end), int16, ``size`` x ``size``."""
    z = index / max(1, slices - 1)  # 0..1 from the lung apices to the pelvis
    s = size / 512
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    rng = np.random.default_rng(1000 + index)
    hu = np.full((size, size), -1000.0, dtype=np.float32)
    # body: wider at the abdomen, soft tissue with fat at the rim
    ry, rx = (150 + 25 * z) * s, (205 + 20 * np.sin(np.pi * z)) * s
    cy, cx = 250 * s, 256 * s
    body = _ellipse(yy, xx, cy, cx, ry, rx)
    hu[body] = -90.0
    hu[_ellipse(yy, xx, cy, cx, ry - 14 * s, rx - 14 * s)] = 35.0
    # low-frequency texture inside the body (organs are not flat)
    texture = 12 * np.sin(xx / (23 * s) + 3 * z) * np.cos(yy / (31 * s) - 2 * z) + 8 * np.sin(
        (xx + yy) / (17 * s) + 5 * z
    )
    hu += np.where(body, texture, 0)
    # lungs in the upper 55 %, largest at a third of the way down
    if z < 0.55:
        grow = np.sin(np.pi * min(1.0, z / 0.55)) ** 0.6
        for side in (-1, 1):
            lung = _ellipse(yy, xx, 235 * s, cx + side * 95 * s, 105 * s * grow, 62 * s * grow)
            hu[lung] = -850.0 + 40 * np.sin(yy[lung] / (9 * s)) * np.cos(xx[lung] / (11 * s))
            # vessels: small dense dots in the lungs
            for k in range(6):
                vy = 235 * s + 70 * s * grow * np.sin(k * 1.7 + 9 * z)
                vx = cx + side * (95 * s + 40 * s * grow * np.cos(k * 2.3 + 7 * z))
                hu[_ellipse(yy, xx, vy, vx, 4 * s, 4 * s) & lung] = 40.0
    # heart between the lungs, then the liver below
    if 0.2 < z < 0.5:
        r = 70 * s * np.sin(np.pi * (z - 0.2) / 0.3)
        hu[_ellipse(yy, xx, 240 * s, cx + 25 * s, r, r * 1.2)] = 45.0
    if 0.45 < z < 0.8:
        r = 90 * s * np.sin(np.pi * (z - 0.45) / 0.35)
        hu[_ellipse(yy, xx, 230 * s, cx - 70 * s, r, r * 1.3)] = 60.0
    # spine: vertebral body with a canal, always there
    hu[_ellipse(yy, xx, 340 * s, cx, 28 * s, 30 * s)] = 650.0 + 150 * np.sin(z * 40)
    hu[_ellipse(yy, xx, 378 * s, cx, 12 * s, 11 * s)] = 20.0
    # the table under the patient
    hu[(yy > 420 * s) & (yy < 432 * s) & (np.abs(xx - cx) < 230 * s)] = 200.0
    hu += rng.normal(0, 14, size=(size, size)).astype(np.float32)
    return np.clip(np.rint(hu), -1024, 3071).astype(np.int16)


def slice_dataset(study: LargeStudy, index: int) -> Dataset:
    """Slice ``index`` as an uncompressed (Explicit VR Little Endian) CT dataset."""
    sop = study.sop_uid(index)
    ds = Dataset()
    ds.file_meta = Dataset()  # type: ignore[assignment]
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = sop
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, sop
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study.study_uid, study.series_uid
    ds.FrameOfReferenceUID = fixed_uid(f"for-{study.key}")
    ds.PatientID, ds.PatientName = study.patient_id, "Bench^Large"
    ds.PatientSex, ds.PatientBirthDate = "O", "19700101"
    ds.AccessionNumber = study.accession
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20261201"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.StudyID, ds.SeriesNumber, ds.InstanceNumber = "1", 2, index + 1
    ds.Modality, ds.BodyPartExamined = "CT", "CHEST"
    ds.StudyDescription = "CT chest abdomen (synthetic, benchmark)"
    ds.SeriesDescription = f"Axial 0.625 mm ({study.syntax})"
    ds.Manufacturer = "film-kiosk benchmark"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SliceThickness = "0.625"
    ds.PixelSpacing = [f"{0.7 * SIZE / study.size:.4f}"] * 2
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [-179.2, -179.2, f"{-0.625 * index:.3f}"]
    ds.SliceLocation = f"{-0.625 * index:.3f}"
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = study.size
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "-1024", "1", "HU"
    ds.WindowCenter, ds.WindowWidth = "40", "400"
    stored = (slice_hu(index, study.slices, study.size).astype(np.int32) + 1024).astype(np.uint16)
    ds.PixelData = stored.tobytes()
    return ds


def _part10(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def encode_slice(study: LargeStudy, index: int, work: Path) -> bytes:
    """Slice ``index`` as Part 10 bytes in the study's transfer syntax."""
    ds = slice_dataset(study, index)
    if study.syntax == "jpeg-lossless":
        raw, out = work / f"{index}.raw.dcm", work / f"{index}.jpeg.dcm"
        raw.write_bytes(_part10(ds))
        subprocess.run(
            ["dcmcjpeg", "+e1", str(raw), str(out)], check=True, capture_output=True, timeout=120
        )
        data = out.read_bytes()
        raw.unlink()
        out.unlink()
        return data
    # the same SOP Instance UID: pydicom would make a new one by default
    ds.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg", generate_instance_uid=False)
    return _part10(ds)


def encoded_slices(
    study: LargeStudy,
    cache_dir: Path = DEFAULT_CACHE,
    workers: int = 2,
    say: Callable[[str], None] = lambda _s: None,
) -> list[Path]:
    """Every slice encoded, as files in ``cache_dir/<key>/`` (encoded once, then reused)."""
    if study.syntax == "jpeg-lossless" and not shutil.which("dcmcjpeg"):
        raise RuntimeError("dcmcjpeg (dcmtk) is not installed: scripts/setup.sh")
    folder = cache_dir / study.key
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i:04d}.dcm" for i in range(study.slices)]
    missing = [i for i, p in enumerate(paths) if not p.is_file()]
    if missing:
        say(f"encoding {len(missing)} slices ({study.syntax}) into {folder}")
        t0 = time.perf_counter()
        # Processes, not threads: openjpeg's encoder is not thread-safe (it crashes).
        with tempfile.TemporaryDirectory(dir=folder) as tmp, ProcessPoolExecutor(workers) as pool:
            jobs = [pool.submit(_encode_to, study, i, paths[i], tmp) for i in missing]
            for job in jobs:
                job.result()
        say(f"encoded in {time.perf_counter() - t0:.1f} s")
    return paths


def _encode_to(study: LargeStudy, index: int, path: Path, work: str) -> None:
    part = path.with_suffix(".part")
    part.write_bytes(encode_slice(study, index, Path(work)))
    part.replace(path)


def orthanc_study(http: requests.Session, orthanc_url: str, study_uid: str) -> tuple[str, int]:
    """Orthanc's id of the study ("" if absent) and how many instances it holds."""
    found = http.post(orthanc_url + "/tools/lookup", data=study_uid, timeout=30)
    found.raise_for_status()
    for item in found.json():
        if item.get("Type") == "Study":
            stats = http.get(f"{orthanc_url}/studies/{item['ID']}/statistics", timeout=30)
            stats.raise_for_status()
            return str(item["ID"]), int(stats.json()["CountInstances"])
    return "", 0


def _has_instance(http: requests.Session, orthanc_url: str, sop_uid: str) -> bool:
    found = http.post(orthanc_url + "/tools/lookup", data=sop_uid, timeout=30)
    found.raise_for_status()
    return any(item.get("Type") == "Instance" for item in found.json())


def ensure_study(
    http: requests.Session,
    orthanc_url: str,
    study: LargeStudy,
    cache_dir: Path = DEFAULT_CACHE,
    say: Callable[[str], None] = lambda _s: None,
) -> str:
    """Upload the study to Orthanc (REST ``POST /instances``) unless it is there whole.

    Returns its StudyInstanceUID. ``http`` carries Orthanc's credentials.
    """
    uid = str(study.study_uid)
    orthanc_id, have = orthanc_study(http, orthanc_url, uid)
    if have == study.slices and _has_instance(http, orthanc_url, study.sop_uid(study.slices - 1)):
        say(f"{study.key}: already in Orthanc")
        return uid
    if have >= study.slices:  # instances of another version of the generator: start again
        http.delete(f"{orthanc_url}/studies/{orthanc_id}", timeout=120).raise_for_status()
    paths = encoded_slices(study, cache_dir, say=say)
    t0 = time.perf_counter()

    def upload(path: Path) -> None:
        r = http.post(
            orthanc_url + "/instances",
            data=path.read_bytes(),
            headers={"Content-Type": "application/dicom"},
            timeout=120,
        )
        r.raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(upload, paths))
    _id, have = orthanc_study(http, orthanc_url, uid)
    if have != study.slices:
        raise RuntimeError(f"Orthanc holds {have} of {study.slices} slices of {study.key}")
    say(f"{study.key}: uploaded {len(paths)} slices in {time.perf_counter() - t0:.1f} s")
    return uid


def compression_ratio(path: Path) -> float:
    ds = dcmread(path)
    return float(ds.Rows * ds.Columns * 2) / max(1, path.stat().st_size)


def main() -> int:
    from tests.helpers.services import parse_env_file

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", type=Path, default=Path("/tmp/kiosk-services/env.sh"))
    parser.add_argument("--syntax", choices=[*SYNTAXES, "all"], default="all")
    parser.add_argument("--slices", type=int, default=SLICES)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    env = parse_env_file(args.env.read_text())
    http = requests.Session()
    http.trust_env = False
    http.auth = (env["ORTHANC_USER"], env["ORTHANC_PASSWORD"])
    names = list(SYNTAXES) if args.syntax == "all" else [args.syntax]
    for name in names:
        study = LargeStudy(name, args.slices)
        uid = ensure_study(http, env["ORTHANC_URL"], study, args.cache, say=print)
        first = args.cache / study.key / "0000.dcm"
        ratio = compression_ratio(first) if first.is_file() else float("nan")
        print(f"{study.key}: study {uid}, accession {study.accession}, ratio {ratio:.2f}:1")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
