"""Fetching a whole CT study from the imaging cloud: the kiosk's client against a plain
sequential ``requests`` loop and Orthanc's own study archive (ZIP) download, side by side.

The plain loop uses requests' defaults, which ask for gzip; Orthanc then compresses every
instance on the fly, which dominates on loopback. The kiosk's client asks for no compression on
WADO-RS; the "gzip off" row shows the plain loop with that one header too.

Fetch rows start from the instance list (a QIDO-RS query the kiosk makes anyway, timed in its
own row); the study stream and the archive need none.

Uploads (once) a 100-instance 512x512 16-bit CT study to the Orthanc named by a services
env file, then times each way of getting every instance's bytes, a few runs each, and prints
a table of medians. Not a test: numbers depend on the machine and its load (printed too).

Run: .venv/bin/python benchmarks/fetch.py --env /tmp/kiosk-services/env.sh [--runs 3]
     [--instances 100] [--parallel 8]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests
from pydicom import dcmwrite
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from kiosk_app.sources.dicomweb import DicomWebSource

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:film-kiosk:benchmark:fetch")


def fixed_uid(name: str) -> UID:
    return UID(f"2.25.{uuid.uuid5(NAMESPACE, name).int}")


def read_env(path: Path) -> dict[str, str]:
    import shlex

    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "export":
            for word in words[1:]:
                key, _, value = word.partition("=")
                env[key] = value
    return env


def ct_instances(n: int, size: int) -> list[bytes]:
    """``n`` slices of a synthetic 16-bit CT (a sphere in noise), Part 10 bytes each."""
    from pydicom import dcmread

    template = dcmread(get_testdata_file("CT_small.dcm", download=False))
    template.decode()
    study, series = fixed_uid(f"study-{n}-{size}"), fixed_uid(f"series-{n}-{size}")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:size, :size]
    out = []
    for i in range(n):
        ds = Dataset()
        ds.update(template)
        ds.file_meta = template.file_meta
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        sop = fixed_uid(f"sop-{n}-{size}-{i}")
        ds.SOPInstanceUID = sop
        ds.file_meta.MediaStorageSOPInstanceUID = sop
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.PatientID, ds.PatientName, ds.AccessionNumber = "BENCH0001", "Bench^Fetch", "BENCHACC1"
        ds.InstanceNumber = i + 1
        ds.Rows = ds.Columns = size
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        radius = size / 3 * np.sqrt(max(0.0, 1 - ((i - n / 2) / (n / 2)) ** 2))
        inside = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < radius**2
        pixels = rng.integers(0, 80, (size, size), dtype=np.uint16) + inside * 1000
        ds.PixelData = pixels.astype(np.uint16).tobytes()
        ds.pop("SmallestImagePixelValue", None)
        ds.pop("LargestImagePixelValue", None)
        buffer = io.BytesIO()
        dcmwrite(buffer, ds, enforce_file_format=True)
        out.append(buffer.getvalue())
    return out


def ensure_study(http: requests.Session, url: str, n: int, size: int) -> str:
    """Upload the study unless Orthanc has it whole; returns its StudyInstanceUID."""
    study = fixed_uid(f"study-{n}-{size}")
    found = http.post(url + "/tools/lookup", data=str(study), timeout=30).json()
    if found:
        have = http.get(f"{url}/studies/{found[0]['ID']}/instances", timeout=30).json()
        if len(have) == n:
            return str(study)
    blobs = ct_instances(n, size)
    with ThreadPoolExecutor(4) as pool:
        for r in pool.map(
            lambda b: http.post(
                url + "/instances",
                data=b,
                headers={"Content-Type": "application/dicom"},
                timeout=60,
            ),
            blobs,
        ):
            r.raise_for_status()
    return str(study)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", type=Path, default=Path("/tmp/kiosk-services/env.sh"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--parallel", type=int, default=8)
    args = parser.parse_args()
    env = read_env(args.env)
    url, dicomweb = env["ORTHANC_URL"], env["ORTHANC_DICOMWEB"]
    auth = (env["ORTHANC_USER"], env["ORTHANC_PASSWORD"])
    http = requests.Session()
    http.trust_env = False
    http.auth = auth
    study = ensure_study(http, url, args.instances, args.size)
    orthanc_id = http.post(url + "/tools/lookup", data=study, timeout=30).json()[0]["ID"]

    kiosk = DicomWebSource(
        dicomweb, username=auth[0], password=auth[1], max_parallel=args.parallel, read_timeout=60
    )
    per_instance = DicomWebSource(
        dicomweb,
        username=auth[0],
        password=auth[1],
        max_parallel=args.parallel,
        read_timeout=60,
        series_stream_min=10**9,
    )
    refs = kiosk.list_instances(study)

    def listing() -> tuple[int, int]:
        return len(kiosk.list_instances(study)), 0

    def kiosk_client() -> tuple[int, int]:
        blobs = kiosk.fetch_instances_bytes(refs)
        return len(blobs), sum(map(len, blobs))

    def kiosk_per_instance() -> tuple[int, int]:
        blobs = per_instance.fetch_instances_bytes(refs)
        return len(blobs), sum(map(len, blobs))

    def kiosk_study_stream() -> tuple[int, int]:
        blobs = list(kiosk.iter_study(study))
        return len(blobs), sum(map(len, blobs))

    def sequential_loop(identity: bool = False) -> tuple[int, int]:
        plain = requests.Session()
        plain.trust_env = False
        plain.auth = auth
        total = count = 0
        for ref in refs:
            headers = {"Accept": 'multipart/related; type="application/dicom"'}
            if identity:
                headers["Accept-Encoding"] = "identity"
            r = plain.get(
                f"{dicomweb}/studies/{study}/series/{ref.series_uid}/instances/{ref.sop_uid}",
                headers=headers,
                timeout=60,
            )
            r.raise_for_status()
            total += len(r.content)
            count += 1
        return count, total

    def orthanc_archive() -> tuple[int, int]:
        import zipfile

        r = http.get(f"{url}/studies/{orthanc_id}/archive", timeout=300)
        r.raise_for_status()
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            names = [n for n in z.namelist() if not n.endswith("/")]
            return len(names), len(r.content)

    methods: list[tuple[str, Callable[[], tuple[int, int]]]] = [
        ("(QIDO-RS instance list, before any fetch)", listing),
        ("kiosk client (series streams, default)", kiosk_client),
        (f"kiosk client, per instance, {args.parallel} parallel", kiosk_per_instance),
        ("kiosk client, one WADO-RS study stream", kiosk_study_stream),
        ("sequential requests loop", sequential_loop),
        ("sequential loop, gzip off", lambda: sequential_loop(identity=True)),
        ("Orthanc study archive (ZIP)", orthanc_archive),
    ]
    for _name, method in methods:  # warm Orthanc's caches and the connections once
        method()
    times: dict[str, list[float]] = {name: [] for name, _ in methods}
    sizes: dict[str, tuple[int, int]] = {}
    for _ in range(args.runs):
        for name, method in methods:
            t0 = time.perf_counter()
            sizes[name] = method()
            times[name].append(time.perf_counter() - t0)
    baseline = statistics.median(times["sequential requests loop"])
    plain = statistics.median(times["sequential loop, gzip off"])
    load = os.getloadavg()
    print(
        f"{args.instances} instances of {args.size}x{args.size} 16-bit CT, Orthanc on loopback; "
        f"median of {args.runs} runs; {platform.node()}, {os.cpu_count()} CPUs, "
        f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"| {'method':44} | instances | MB | seconds | MB/s | vs loop | vs loop, gzip off |")
    print(f"| {'-' * 44} | --- | --- | --- | --- | --- | --- |")
    for name, _ in methods:
        median = statistics.median(times[name])
        count, size = sizes[name]
        if not size:
            print(f"| {name:44} | {count} | - | {median:.2f} | - | - | - |")
            continue
        print(
            f"| {name:44} | {count} | {size / 1e6:.1f} | {median:.2f} | "
            f"{size / 1e6 / median:.0f} | {baseline / median:.2f}x | {plain / median:.2f}x |"
        )


if __name__ == "__main__":
    main()
