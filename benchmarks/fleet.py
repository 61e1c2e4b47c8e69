"""A fleet of kiosks against one PostgreSQL: visits per minute, and print-once checked after.

Each kiosk is a process of its own that builds the kiosk once (``kiosk_app.app.build``, as the
running kiosk does) and serves its queue of patients one visit after the other
(``VisitService.print_code``): its own SQLite database and folder printers, the fleet's shared
ledger on PostgreSQL (``[fleet] database``, TLS verified, its own login role). The archive is a
local one made here (``--patients`` patients, each a CR study of one or two tiny images and a
final PDF report), so the cloud costs little and the fleet's claims are what is measured. A
share of patients (``--second-try``) also try the next kiosk (as a patient who walks on),
which the shared ledger must refuse. After the run every printer folder is read: each item
must have come out exactly once across the fleet.

The PostgreSQL is the one ``scripts/services.sh start`` wrote into ``$KIOSK_SERVICES_ENV``
(default ``/tmp/kiosk-services/env.sh``), in a database of the benchmark's own, or with
``--private`` a PostgreSQL of its own (``ONLY=postgres``, as root) stopped afterwards.

Measurements are named in :data:`MEASUREMENTS`; each takes the prepared :class:`Bench` and
returns its figures for the closing note. ``visits_per_minute`` is the fleet's;
``id_card_lookup`` is the ID-card look-up (ID number to the patient's study list) on generated
archives of ``--lookup-sizes`` studies (1,000 and 10,000), each in an Orthanc of its own
(``tests.helpers.lookup_archive``: seeded once, kept under /tmp between runs), for each way
an ID number can be resolved: ``other_ids`` (the cloud's search by (0010,1000)) the first
time and again with the kiosk's ID-number map, ``patient_id``, and ``mpi`` (a loopback MPI).
It needs no PostgreSQL (``--only id_card_lookup``).

    .venv/bin/python benchmarks/fleet.py [--kiosks 10] [--patients 200] [--private]
    .venv/bin/python benchmarks/fleet.py --only id_card_lookup [--lookup-sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydicom import dcmwrite
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ComputedRadiographyImageStorage, ExplicitVRLittleEndian, generate_uid

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kiosk_app.services.testpage import test_page_pdf  # noqa: E402
from tests.helpers.dicom_builders import make_encapsulated_pdf  # noqa: E402
from tests.helpers.postgres import PostgresServer, _from_env_file  # noqa: E402
from tests.helpers.services import DEFAULT_ENV_FILE  # noqa: E402


# ------------------------------------------------------------------------------------ archive
def _image(number: int, index: int, study_uid: str, accession: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ComputedRadiographyImageStorage
    ds.SOPClassUID = ComputedRadiographyImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientID, ds.PatientName = f"FB{number:05d}", f"Fleet^Patient{number:05d}"
    ds.AccessionNumber = accession
    ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime = study_uid, "20261201", "090000"
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "CR"
    ds.SeriesNumber, ds.InstanceNumber = 1, index + 1
    ds.Rows = ds.Columns = 64
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    pixels = np.random.default_rng(number * 10 + index).integers(0, 4096, (64, 64), np.uint16)
    ds.PixelData = pixels.tobytes()
    return ds


def make_archive(folder: Path, patients: int) -> list[str]:
    """``patients`` exams (accession ``FBA<n>``): a final report and one or two images."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf = test_page_pdf("fleet benchmark")
    codes = []
    for n in range(patients):
        study, accession = generate_uid(), f"FBA{n:05d}"
        report = make_encapsulated_pdf(
            pdf,
            patient_id=f"FB{n:05d}",
            patient_name=f"Fleet^Patient{n:05d}",
            accession=accession,
            study_uid=study,
        )
        buffer = io.BytesIO()
        dcmwrite(buffer, report, enforce_file_format=True)
        (folder / f"{accession}_DOC.dcm").write_bytes(buffer.getvalue())
        for i in range(1 + n % 2):
            path = folder / f"{accession}_CR_{i}.dcm"
            dcmwrite(path, _image(n, i, study, accession), enforce_file_format=True)
        codes.append(accession)
    return codes


# ------------------------------------------------------------------------------------ kiosks
def kiosk_config(work: Path, number: int, url: str, ca: Path, archive: Path) -> Path:
    home = work / f"kiosk-{number:02d}"
    out = home / "out"
    out.mkdir(parents=True, exist_ok=True)
    text = "\n".join(
        [
            "[kiosk]",
            f'id = "kiosk-{number:02d}"',
            f'data_dir = "{home / "data"}"',
            'log_level = "WARNING"',
            "[cloud]",
            'kind = "local"',
            f'archive_dir = "{archive}"',
            "[printers.report]",
            'backend = "folder"',
            f'output_dir = "{out}"',
            "[printers.film]",
            'backend = "folder"',
            f'output_dir = "{out}"',
            "[film]",
            "dpi = 50",
            "[printing]",
            "poll_interval = 0.05",
            "[fleet]",
            f'database = "{url}"',
            f'ca_file = "{ca}"',
            'role = "kiosk_fleet"',
        ]
    )
    path = home / "kiosk.toml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def worker(config: Path, codes: list[str], start_at: float) -> int:
    """One kiosk: build once, wait for the common start, serve its queue, print JSON lines."""
    from kiosk_app.app import build
    from kiosk_app.settings import load

    kiosk = build(load(config, env={}))
    try:
        if kiosk.fleet is not None:
            kiosk.fleet.shared.migrate()  # before the clock starts
        while time.time() < start_at:
            time.sleep(0.01)
        for code in codes:
            t0 = time.perf_counter()
            summary = kiosk.visit.print_code(code)
            seconds = time.perf_counter() - t0
            states = [[i.kind.value, i.state.value, i.message_id] for i in summary.items]
            print(json.dumps({"code": code, "seconds": seconds, "items": states}), flush=True)
    finally:
        kiosk.close()
    return 0


# ------------------------------------------------------------------------------------ bench
@dataclass
class Bench:
    """What a measurement works with: the fleet's server, its database, the archive."""

    server: PostgresServer | None
    database: str
    work: Path
    archive: Path
    codes: list[str]
    kiosks: int
    second_try: float
    seed: int
    lookup_sizes: tuple[int, ...] = (1000, 10000)
    lookup_runs: int = 20
    notes: list[str] = field(default_factory=list)


def visits_per_minute(bench: Bench) -> dict[str, Any]:
    """Every kiosk serves its queue at once; visits per minute over the whole fleet."""
    assert bench.server is not None
    rng = random.Random(bench.seed)
    queues: list[list[str]] = [[] for _ in range(bench.kiosks)]
    for n, code in enumerate(bench.codes):
        queues[n % bench.kiosks].append(code)
        if rng.random() < bench.second_try:  # the patient walks on to the next kiosk too
            queues[(n + 1) % bench.kiosks].append(code)
    for queue in queues:
        rng.shuffle(queue)
    configs = [
        kiosk_config(
            bench.work,
            k + 1,
            bench.server.url(bench.database, f"kiosk_{k + 1:02d}"),
            bench.server.ca_file,
            bench.archive,
        )
        for k in range(bench.kiosks)
    ]
    start_at = time.time() + 8 + bench.kiosks * 1.5  # every process built and waiting
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(config), str(start_at), *queue],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for config, queue in zip(configs, queues, strict=True)
    ]
    visits: list[dict[str, Any]] = []
    for process in processes:
        out, err = process.communicate(timeout=3600)
        if process.returncode != 0:
            raise SystemExit(f"a kiosk failed: {err.strip().splitlines()[-1:]}")
        visits.extend(json.loads(line) for line in out.splitlines() if line.startswith("{"))
    wall = time.time() - start_at
    # print-once across the fleet, from what the printers received: a file per printer job
    # (a report, or one film sheet), named <kind>-<accession>-<job>[-s<sheet>]-<n>.pdf
    jobs: dict[tuple[str, str], set[tuple[int, str]]] = {}
    outputs = 0
    for k in range(bench.kiosks):
        for path in (bench.work / f"kiosk-{k + 1:02d}" / "out").glob("*.pdf"):
            kind, accession, job = path.name.split("-")[:3]
            jobs.setdefault((kind, accession), set()).add((k, job))
            outputs += 1
    per_item = {item: len(printed) for item, printed in jobs.items()}
    expected = {(kind, code) for code in bench.codes for kind in ("report", "film")}
    twice = sorted(k for k, v in per_item.items() if v > 1)
    missing = sorted(expected - set(per_item))
    why_not: dict[str, int] = {}
    for visit in visits:
        for _kind, state, why in visit["items"]:
            if state != "delivered":
                why_not[why or state] = why_not.get(why or state, 0) + 1
    seconds = sorted(v["seconds"] for v in visits)
    return {
        "kiosks": bench.kiosks,
        "visits": len(visits),
        "wall_s": round(wall, 1),
        "visits_per_minute": round(len(visits) / wall * 60, 1),
        "visit_p50_s": round(statistics.median(seconds), 3),
        "visit_p95_s": round(seconds[int(0.95 * (len(seconds) - 1))], 3),
        "items_printed": len(per_item),
        "printer_jobs": outputs,
        "not_printed_because": why_not,
        "printed_twice": len(twice),
        "never_printed": len(missing),
    }


def _figures(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:.0f}/{p95 * 1000:.0f}"


def id_card_lookup(bench: Bench) -> dict[str, Any]:
    """ID number -> the patient's study list, per archive size and mode: "median/p95 ms"."""
    from tests.helpers import lookup_archive as archive

    rng = random.Random(bench.seed)
    results: dict[str, Any] = {"runs": bench.lookup_runs, "unit": "ms median/p95"}
    for size in bench.lookup_sizes:
        run = archive.RUN if size == max(bench.lookup_sizes) else Path(f"{archive.RUN}-{size}")
        with archive.archive_orthanc(run) as orthanc:
            seeded = archive.seed(orthanc.url, orthanc.auth, size)
            count = requests_get_count(orthanc.url, orthanc.auth)
            if count != size:
                raise SystemExit(f"the archive at {orthanc.url} holds {count} studies, not {size}")
            bench.notes.append(
                f"{size} studies: {seeded.uploaded} uploaded in {seeded.seconds:.0f} s"
            )
            results[f"{size}_studies"] = _lookups(bench, orthanc, size, rng)
    return results


def _lookups(bench: Bench, orthanc: Any, size: int, rng: random.Random) -> dict[str, str]:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from kiosk_app.core.credentials import credential_from_card
    from kiosk_app.services.catalog import Catalog
    from kiosk_app.services.identify import HttpLookup, IdentityService, IdNumberMap
    from kiosk_app.sources.dicomweb import DicomWebSource
    from tests.helpers import lookup_archive as archive

    patients = archive.patient_of(size - 1)
    runs = bench.lookup_runs
    by_other = rng.sample([p for p in range(patients) if p % 10], runs)  # OtherPatientIDs
    by_pid = rng.sample(range(0, patients, 10), min(runs, len(range(0, patients, 10))))
    known = {archive.id_number(p): p for p in by_other}

    class Mpi(BaseHTTPRequestHandler):
        """An MPI that knows the patients looked up (by the archive's rule)."""

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            patient = known.get(body["value"])
            ids = [archive.patient_id(patient)] if patient is not None else []
            data = json.dumps({"patient_ids": ids}).encode()
            self.send_response(200 if ids else 404)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            return

    mpi_server = ThreadingHTTPServer(("127.0.0.1", 0), Mpi)
    Thread(target=mpi_server.serve_forever, daemon=True).start()
    mpi_url = f"http://127.0.0.1:{mpi_server.server_address[1]}/mpi"
    work = bench.work / f"lookup-{size}"
    user, password = orthanc.auth
    source = DicomWebSource(orthanc.dicomweb_url, username=user, password=password)
    sent = {"requests": 0, "bytes": 0}

    def count(response: Any, *_args: Any, **_kwargs: Any) -> None:
        sent["requests"] += 1
        sent["bytes"] += len(response.content)  # QIDO answers are not streamed

    source.http.hooks["response"].append(count)
    source.ping()  # a connection in the pool, as a running kiosk has

    def kiosk(mode: str) -> IdentityService:
        id_map = IdNumberMap(work / mode / "id-numbers.db", b"k" * 32, retention=3600)
        mpi = HttpLookup(mpi_url) if mode == "mpi" else None
        return IdentityService(Catalog(source), source, id_number_mode=mode, mpi=mpi, id_map=id_map)

    def timed(service: IdentityService, chosen: list[int]) -> list[float]:
        seconds = []
        for patient in chosen:
            t0 = time.perf_counter()
            identity, _ = service.resolve(credential_from_card(archive.id_number(patient)))
            studies = [
                e.study_uid for pid in identity.patient_ids
                for e in source.find_studies(patient_id=pid)
            ]  # fmt: skip
            seconds.append(time.perf_counter() - t0)
            if set(studies) != set(archive.studies_of(patient, size)):
                raise SystemExit(f"patient {patient}: wrong studies {studies}")
        return seconds

    try:
        other_ids = kiosk("other_ids")
        sent.update(requests=0, bytes=0)
        first = timed(other_ids, by_other)
        per_lookup = f"{sent['requests'] / runs:.1f} requests, {sent['bytes'] / runs / 1000:.1f} kB"
        cached = timed(other_ids, by_other)
        as_patient_id = timed(kiosk("patient_id"), by_pid)
        mpi = timed(kiosk("mpi"), by_other)
        # The whole listing a visit shows (each exam's report and images found), map cached.
        listing = []
        for patient in by_other[:5]:
            t0 = time.perf_counter()
            other_ids.find_credential(credential_from_card(archive.id_number(patient)))
            listing.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        source.find_patient_ids("999999180001019993")  # nobody: the whole filter's cost
        nobody = time.perf_counter() - t0
    finally:
        mpi_server.shutdown()
        mpi_server.server_close()
        source.close()
    return {
        "other_ids_first": _figures(first),
        "other_ids_first_sent": per_lookup,
        "other_ids_cached": _figures(cached),
        "patient_id": _figures(as_patient_id),
        "mpi": _figures(mpi),
        "unknown_id_number": f"{nobody * 1000:.0f}",
        "visit_listing_cached": _figures(listing),
    }


def requests_get_count(url: str, auth: tuple[str, str]) -> int:
    """How many studies the Orthanc at ``url`` holds."""
    import requests

    http = requests.Session()
    http.trust_env = False
    try:
        return int(http.get(url + "/statistics", auth=auth, timeout=10).json()["CountStudies"])
    finally:
        http.close()


#: name -> measurement; each returns the figures the closing note prints
MEASUREMENTS: dict[str, Callable[[Bench], dict[str, Any]]] = {
    "visits_per_minute": visits_per_minute,
    "id_card_lookup": id_card_lookup,
}
#: the measurements that need the fleet's PostgreSQL
NEEDS_POSTGRES = frozenset({"visits_per_minute"})


def private_postgres(run: Path, action: str) -> PostgresServer | None:
    env = {**os.environ, "ONLY": "postgres", "RUN": str(run), "PG_KIOSKS": "10"}
    subprocess.run(
        ["bash", str(REPO / "scripts" / "services.sh"), action], env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    return _from_env_file(run / "env.sh") if action == "start" else None


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        return worker(Path(sys.argv[2]), sys.argv[4:], float(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiosks", type=int, default=10)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--second-try", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--private", action="store_true", help="a PostgreSQL of its own")
    parser.add_argument("--only", choices=sorted(MEASUREMENTS), action="append")
    parser.add_argument("--lookup-sizes", default="1000,10000", help="archives, in studies")
    parser.add_argument("--lookup-runs", type=int, default=20, help="look-ups per figure")
    args = parser.parse_args()
    selected = args.only or list(MEASUREMENTS)
    sizes = tuple(int(n) for n in args.lookup_sizes.split(","))

    work = Path(tempfile.mkdtemp(prefix="kiosk-fleet-bench-", dir="/tmp"))
    os.chmod(work, 0o755)
    run = work / "pg"
    server: PostgresServer | None = None
    database = ""
    needs_postgres = bool(NEEDS_POSTGRES & set(selected))
    if needs_postgres:
        if args.private:
            run.mkdir()
            server = private_postgres(run, "start")
        else:
            server = _from_env_file(Path(os.environ.get("KIOSK_SERVICES_ENV", DEFAULT_ENV_FILE)))
        if server is None:
            raise SystemExit("no PostgreSQL: bash scripts/services.sh start, or --private")
        if args.kiosks > server.kiosks:
            raise SystemExit(f"the server has {server.kiosks} kiosk roles (PG_KIOSKS)")
        database = f"fleet_bench_{uuid.uuid4().hex[:8]}"
        server.admin(f"CREATE DATABASE {database} OWNER kiosk_fleet")
        server.admin("REVOKE ALL ON SCHEMA public FROM PUBLIC", database)
        server.admin("ALTER SCHEMA public OWNER TO kiosk_fleet", database)
    try:
        archive = work / "archive"
        codes = make_archive(archive, args.patients) if needs_postgres else []
        bench = Bench(
            server, database, work, archive, codes, args.kiosks, args.second_try, args.seed,
            lookup_sizes=sizes, lookup_runs=args.lookup_runs,
        )  # fmt: skip
        results = {name: MEASUREMENTS[name](bench) for name in selected}
    finally:
        if server is not None:
            server.admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            if args.private:
                private_postgres(run, "stop")
        shutil.rmtree(work, ignore_errors=True)
    where = f"PostgreSQL {server.host}:{server.port}, " if server is not None else ""
    print(f"fleet benchmark on {platform.node()} ({os.cpu_count()} cores), {where}"
          f"{args.patients} patients")  # fmt: skip
    for name, figures in results.items():
        print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    for note in bench.notes:
        print(f"  note: {note}")
    print(json.dumps(results))
    bad = any(f.get("printed_twice") or f.get("never_printed") for f in results.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
