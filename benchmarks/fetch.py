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

With ``--cases large`` (issue 15): a 600-slice 512x512 CT stored JPEG Lossless SV1
(1.2.840.10008.1.2.4.70) and, as a second study, JPEG 2000 lossless (.4.90), made and uploaded
once by ``tests/helpers/large_ct.py``: the QIDO-RS list of its series (one page, and pages of
100), its WADO-RS study metadata, and the fetch of 20 evenly spaced slices (one 4x5 sheet)
against all 600, each way the client can fetch.

With ``--cases first-sheet``: the real patient flow on those studies (``kiosk_app.app.build``
against the Orthanc and the CUPS film queue of the env file, ``[film] slice_sheets = 3`` and
CT=4x5, so 3 sheets): the time from the patient's confirmation (``VisitService.print_planned``)
to the first sheet accepted by the printer (the film job's first sheet queued by CUPS: the
``submitted`` progress event), and to every sheet done. Each run starts from an empty data
folder, so nothing is in the kiosk's cache. Finding the exam and the plan with its sheet
count (what the screen shows before the patient confirms) is timed apart.

Run: .venv/bin/python benchmarks/fetch.py --env /tmp/kiosk-services/env.sh [--runs 3]
     [--instances 100] [--parallel 8] [--cases small,large,first-sheet]
     [--film-printer cups|folder] [--think SECONDS]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk_app.core.models import ItemKind, ItemState
from kiosk_app.sources.dicomweb import DicomWebSource
from tests.helpers.large_ct import SYNTAXES, LargeStudy
from tests.helpers.large_ct import ensure_study as ensure_large_study

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


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", type=Path, default=Path("/tmp/kiosk-services/env.sh"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument(
        "--cases",
        default="small,large,first-sheet",
        help="comma-separated: small (the 100-instance study), large, first-sheet",
    )
    parser.add_argument("--syntaxes", default=",".join(SYNTAXES), help="of the large study")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds the patient spends on the confirmation screen (the film is prepared "
        "meanwhile); 0: confirmed the moment the list shows, the worst case",
    )
    parser.add_argument(
        "--film-printer",
        choices=["cups", "folder"],
        default="cups",
        help="first-sheet: the env file's CUPS film queue (jamsim), or PDFs into a folder",
    )
    args = parser.parse_args()
    env = read_env(args.env)
    cases = {c.strip() for c in args.cases.split(",") if c.strip()}
    unknown = cases - {"small", "large", "first-sheet"}
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    syntaxes = [name.strip() for name in args.syntaxes.split(",") if name.strip()]
    if "small" in cases:
        small_study(args, env)
    if "large" in cases:
        large_study(args, env, syntaxes)
    if "first-sheet" in cases:
        first_sheet(args, env, syntaxes)


def orthanc_session(env: dict[str, str]) -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    http.auth = (env["ORTHANC_USER"], env["ORTHANC_PASSWORD"])
    return http


def small_study(args: argparse.Namespace, env: dict[str, str]) -> None:
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


def sheet_of(refs: list, count: int = 20) -> list:  # type: ignore[type-arg]
    """``count`` evenly spaced slices, in order: what one 4x5 sheet prints."""
    ordered = sorted(refs, key=lambda r: r.instance_number or 0)
    n = len(ordered)
    return [ordered[round(i * (n - 1) / (count - 1))] for i in range(count)]


def timed(runs: int, method: Callable[[], tuple[int, int]]) -> tuple[list[float], tuple[int, int]]:
    method()  # warm the connections (and Orthanc's files in the page cache) once
    times, size = [], (0, 0)
    for _ in range(runs):
        t0 = time.perf_counter()
        size = method()
        times.append(time.perf_counter() - t0)
    return sorted(times), size


def large_study(args: argparse.Namespace, env: dict[str, str], syntaxes: list[str]) -> None:
    rows = []
    for name in syntaxes:
        rows += large_rows(args, env, LargeStudy(name))
    print()
    print(
        f"large study: 600 x 512x512 12-bit CT, Orthanc on loopback, kiosk cache not used "
        f"(one warm-up run first); median [min-max] of {args.runs} runs; {machine()}"
    )
    print(f"| {'syntax':13} | {'case':44} | instances | MB | seconds | MB/s |")
    print(f"| {'-' * 13} | {'-' * 44} | --- | --- | --- | --- |")
    for name, case, count, size, times in rows:
        median = statistics.median(times)
        cell = f"{median:.3f} [{times[0]:.2f}-{times[-1]:.2f}]"
        mb = f"{size / 1e6:.1f}" if size else "-"
        rate = f"{size / 1e6 / median:.0f}" if size else "-"
        print(f"| {name:13} | {case:44} | {count} | {mb} | {cell} | {rate} |")


def large_rows(
    args: argparse.Namespace, env: dict[str, str], spec: LargeStudy
) -> list[tuple[str, str, int, int, list[float]]]:
    url, dicomweb = env["ORTHANC_URL"], env["ORTHANC_DICOMWEB"]
    user, password = env["ORTHANC_USER"], env["ORTHANC_PASSWORD"]
    study = ensure_large_study(
        orthanc_session(env), url, spec, say=lambda text: print(text, flush=True)
    )
    series = str(spec.series_uid)

    def client(**kwargs: int) -> DicomWebSource:
        return DicomWebSource(
            dicomweb,
            username=user,
            password=password,
            max_parallel=args.parallel,
            read_timeout=120,
            **kwargs,
        )

    kiosk, paged = client(), client(qido_page_size=100)
    per_instance = client(series_stream_min=10**9)
    refs = kiosk.list_instances(study)
    sheet = sheet_of(refs)

    def fetch(source: DicomWebSource, wanted: list) -> Callable[[], tuple[int, int]]:  # type: ignore[type-arg]
        def run() -> tuple[int, int]:
            blobs = source.fetch_instances_bytes(wanted)
            return len(blobs), sum(map(len, blobs))

        return run

    cases: list[tuple[str, Callable[[], tuple[int, int]]]] = [
        (
            "QIDO-RS series instances, 1 page of 1000",
            lambda: (len(kiosk.search_instances(study, series)), 0),
        ),
        (
            "QIDO-RS series instances, pages of 100",
            lambda: (len(paged.search_instances(study, series)), 0),
        ),
        (
            "list_instances (study QIDO + count check)",
            lambda: (len(kiosk.list_instances(study)), 0),
        ),
        ("WADO-RS study metadata", lambda: (len(kiosk.metadata(study)), 0)),
        ("fetch 20 (one 4x5 sheet), series stream", fetch(kiosk, sheet)),
        (f"fetch 20, per instance, {args.parallel} parallel", fetch(per_instance, sheet)),
        ("fetch all 600, series stream", fetch(kiosk, refs)),
        (f"fetch all 600, per instance, {args.parallel} parallel", fetch(per_instance, refs)),
    ]
    rows = []
    for case, method in cases:
        times, (count, size) = timed(args.runs, method)
        rows.append((spec.syntax, case, count, size, times))
        print(f"  {spec.syntax}: {case}: {statistics.median(times):.3f} s", flush=True)
    return rows


def first_sheet(args: argparse.Namespace, env: dict[str, str], syntaxes: list[str]) -> None:
    """The patient flow on the large study: confirmation -> first sheet accepted."""
    from kiosk_app.app import build
    from kiosk_app.services.film import decoding
    from kiosk_app.settings import load

    http = orthanc_session(env)
    rows = []
    for name in syntaxes:
        spec = LargeStudy(name)
        ensure_large_study(http, env["ORTHANC_URL"], spec, say=lambda t: print(t, flush=True))
        runs: list[tuple[float, float, float, float, int]] = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="bench-first-sheet-") as tmp:
                overrides = {
                    "KIOSK_KIOSK__DATA_DIR": tmp,
                    "KIOSK_KIOSK__LOG_LEVEL": "WARNING",
                    "KIOSK_CLOUD__URL": env["ORTHANC_DICOMWEB"],
                    "KIOSK_CLOUD__USERNAME": env["ORTHANC_USER"],
                    "KIOSK_CLOUD__PASSWORD": env["ORTHANC_PASSWORD"],
                    "KIOSK_CLOUD__READ_TIMEOUT": "120",
                    "KIOSK_FILM__SLICE_SHEETS": "3",
                    "KIOSK_FILM__PLANS": "CT=4x5",
                    "KIOSK_PRINTERS__CUPS_SERVER": env["CUPS_SERVER"],
                    "KIOSK_PRINTERS__REPORT__QUEUE": env["KIOSK_PDF_QUEUE"],
                    "KIOSK_PRINTERS__FILM__QUEUE": env["KIOSK_FILM_QUEUE"],
                }
                if args.film_printer == "folder":
                    overrides["KIOSK_PRINTERS__FILM__BACKEND"] = "folder"
                    overrides["KIOSK_PRINTERS__FILM__OUTPUT_DIR"] = str(Path(tmp) / "film")
                kiosk = build(load(None, env=overrides))
                decoding.warm_up()  # as `kiosk run` does at start
                time.sleep(2)
                try:
                    t0 = time.perf_counter()
                    _credential, exams = kiosk.visit.find(spec.accession)
                    t_found = time.perf_counter()
                    planned = kiosk.visit.plan(exams, count=True)
                    t_planned = time.perf_counter()
                    time.sleep(args.think)
                    t1 = time.perf_counter()
                    marks: dict[str, float] = {}

                    def progress(
                        event: str, data: dict[str, object], marks: dict[str, float] = marks
                    ) -> None:
                        if event == "submitted" and data.get("kind") == ItemKind.FILM.value:
                            marks.setdefault("first", time.perf_counter())

                    summary = kiosk.visit.print_planned(spec.accession, planned, progress)
                    t2 = time.perf_counter()
                finally:
                    kiosk.close()
            film = [i for i in summary.items if i.kind is ItemKind.FILM]
            if not film or film[0].state is not ItemState.DELIVERED or "first" not in marks:
                raise SystemExit(f"{name}: the film did not print: {summary.items}")
            runs.append(
                (t_found - t0, t_planned - t_found, marks["first"] - t1, t2 - t1, film[0].count)
            )
            print(
                f"  {name}: find {t_found - t0:.2f} s, plan {t_planned - t_found:.2f} s, "
                f"first sheet {marks['first'] - t1:.2f} s, "
                f"all {t2 - t1:.2f} s ({film[0].count} sheets)",
                flush=True,
            )
        rows.append((name, runs))
    printer = f"CUPS queue {env['KIOSK_FILM_QUEUE']}" if args.film_printer == "cups" else "folder"
    print()
    print(
        f"first sheet: 600-slice CT, [film] slice_sheets=3, CT=4x5, film printer {printer}, "
        f"{args.think:g} s on the confirmation screen, "
        f"Orthanc on loopback, empty kiosk cache each run; median [min-max] of {args.runs} "
        f"runs, seconds; {machine()}"
    )
    print(
        f"| {'syntax':13} | sheets | find exam | plan with sheet count | confirmation -> "
        f"first sheet accepted | confirmation -> all sheets done |"
    )
    print(f"| {'-' * 13} | --- | --- | --- | --- | --- |")
    for name, runs in rows:
        cells = []
        for i in range(4):
            values = sorted(r[i] for r in runs)
            cells.append(f"{statistics.median(values):.2f} [{values[0]:.2f}-{values[-1]:.2f}]")
        print(f"| {name:13} | {runs[0][4]} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
