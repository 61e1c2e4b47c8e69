"""A soak: many patients through the real ``kiosk print`` while faults arrive from a seeded
schedule, then an audit of what the printers received against what the kiosk recorded.

The real stack of ``scripts/services.sh``: Orthanc (behind a fault proxy of this script's own,
which can be down, slow or answer 500), cupsd's jam-simulating film queue (jamsim) and its PDF
report queue. Orthanc is seeded with synthetic patients: multi-sheet CT and single-sheet CR
studies, reports final or not yet, two patients with the same name, an accession number reused
by two patients. Every visit runs ``python -m kiosk_app print CODE --json`` as its own process,
as a kiosk's CLI flow would; faults (a jam or an empty tray at a random sheet, the printer
offline, the cloud down / slow / answering 500, SIGKILL of the kiosk at a random moment) come
from ``random.Random(seed)``, so a run is reproducible from its seed. After a visit that left
something open, a nurse (a script, through the kiosk's own MaintenanceService) clears the fault,
looks in the tray (the printer's output) and resumes, confirms or cancels.

The audit, from the printers' output (jamsim's files and cups-pdf's, by CUPS job id and by the
film sheet's content digest) against the kiosk's ledger and jobs:

* no sheet printed twice unless a nurse authorised a reprint;
* nothing marked delivered that no printer received, and every sheet of a delivered item there;
* every job whose outcome is unknown still held for a nurse (none settled by itself);
* no sheet of one patient's study in another patient's visit; the reused accession printed
  nothing; no report that was not final;
* no traceback and no patient data (ids, names, accession numbers) above DEBUG in the logs;
* each visit's peak resident memory flat over the run; the database within its size.

Exits 1 on any violation, printing each and the seed; prints a table of patients, faults by
kind, visits' outcomes, scan-to-first-sheet p50/p95 and memory at start and end.

Run: python benchmarks/soak.py --env /tmp/kiosk-services/env.sh [--patients 50] [--seed 1]
(hold ``flock -x /tmp/kiosk-servers.lock`` around it: it changes the shared printers' modes).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import re
import select
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import requests
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid
from pypdf import PdfReader

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from drivers.base import FilmSheet  # noqa: E402
from kiosk_app.services.printing import sheet_digest  # noqa: E402
from kiosk_app.services.testpage import test_page_pdf  # noqa: E402
from tests.helpers.dicom_builders import make_encapsulated_pdf  # noqa: E402

FILM_SIZE, FILM_DPI = "8INX10IN", 50
FAULTS = ("jam", "empty", "offline", "cloud-down", "cloud-slow", "cloud-500", "kill")


# ----------------------------------------------------------------------------------- patients
@dataclass
class Patient:
    """One synthetic patient and what a visit of theirs should (and must not) print."""

    number: int
    patient_id: str
    name: str
    accession: str
    study_uid: str
    kind: str  # "ct" (several sheets) or "cr" (one sheet)
    slices: int
    final: bool
    reused_accession: bool = False


def _uid(*parts: object) -> str:
    """A UID fixed by the seed and what it names: the same seed seeds the same archive."""
    return generate_uid(entropy_srcs=["kiosk-soak", *map(str, parts)])


def make_patients(rng: random.Random, count: int, run_tag: str) -> list[Patient]:
    patients = []
    for n in range(count):
        kind = "ct" if rng.random() < 0.5 else "cr"
        patients.append(
            Patient(
                number=n,
                patient_id=f"SK{run_tag}{n:05d}",
                name=f"Soak^Patient{n:05d}",
                accession=f"SKA{run_tag}{n:05d}",
                study_uid=_uid(run_tag, n, "study"),
                kind=kind,
                slices=rng.randint(21, 45) if kind == "ct" else rng.randint(1, 2),
                final=rng.random() > 0.15,
            )
        )
    if count >= 4:  # two patients with the same name (different ids)
        patients[1].name = patients[0].name
    if count >= 6:  # one accession number in two patients' studies: must print nothing
        patients[3].accession = patients[2].accession
        patients[2].reused_accession = patients[3].reused_accession = True
    return patients


def _image(patient: Patient, index: int) -> Dataset:
    """A 64x64 CT/CR slice whose pixels carry the patient's number and the slice's index."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = _uid(patient.study_uid, index, "image")
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientID, ds.PatientName = patient.patient_id, patient.name
    ds.AccessionNumber = patient.accession
    ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime = patient.study_uid, "20261201", "090000"
    ds.SeriesInstanceUID = generate_uid()  # one series per slice is fine for the film plan
    ds.Modality = "CT" if patient.kind == "ct" else "CR"
    ds.SeriesNumber, ds.InstanceNumber = 1, index + 1
    ds.Rows = ds.Columns = 64
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    rng = np.random.default_rng(patient.number * 1000 + index)
    pixels = rng.integers(0, 4096, (64, 64), dtype=np.uint16)
    pixels[:8, :] = (patient.number * 37) % 4096  # the patient, visible in the sheet
    ds.PixelData = pixels.tobytes()
    return ds


def seed_orthanc(env: dict[str, str], patients: list[Patient]) -> None:
    http = requests.Session()
    http.trust_env = False
    http.auth = (env["ORTHANC_USER"], env["ORTHANC_PASSWORD"])
    url = env["ORTHANC_URL"]
    # Series share a series UID per study (the film plan groups by it).
    for p in patients:
        series = _uid(p.study_uid, "series")
        datasets = [_image(p, i) for i in range(p.slices)]
        for ds in datasets:
            ds.SeriesInstanceUID = series
        report = make_encapsulated_pdf(
            test_page_pdf(f"soak report {p.patient_id}"),
            patient_id=p.patient_id,
            patient_name=p.name,
            accession=p.accession,
            study_uid=p.study_uid,
            final=p.final,
            series_uid=_uid(p.study_uid, "report-series"),
            sop_instance_uid=_uid(p.study_uid, "report"),
        )
        for ds in [*datasets, report]:
            buffer = io.BytesIO()
            ds.save_as(buffer, enforce_file_format=True)
            answer = http.post(f"{url}/instances", data=buffer.getvalue(), timeout=60)
            answer.raise_for_status()


# ---------------------------------------------------------------------------------- the cloud
class FaultProxy:
    """A TCP proxy in front of Orthanc: ``ok``, ``down`` (connections closed at once),
    ``slow`` (each connection waits ``delay`` s first) or ``500`` (an HTTP 500 answer)."""

    def __init__(self, target: tuple[str, int], delay: float = 4.0) -> None:
        self.target, self.delay, self.mode = target, delay, "ok"
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client, self.mode), daemon=True).start()

    def _serve(self, client: socket.socket, mode: str) -> None:
        try:
            if mode == "down":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                return
            if mode == "500":
                client.recv(65536)
                body = b"soak: injected failure\n"
                client.sendall(
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
                    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                return
            if mode == "slow":
                time.sleep(self.delay)
            upstream = socket.create_connection(self.target, timeout=60)
            with upstream:
                sockets = [client, upstream]
                while True:
                    ready, _, _ = select.select(sockets, [], [], 60)
                    if not ready:
                        return
                    for s in ready:
                        data = s.recv(65536)
                        if not data:
                            return
                        (upstream if s is client else client).sendall(data)
        except OSError:
            pass
        finally:
            client.close()

    def close(self) -> None:
        self._stop = True
        self.listener.close()


# --------------------------------------------------------------------------------- printers
@dataclass
class Printers:
    env: dict[str, str]

    @property
    def jamsim(self) -> Path:
        return Path(self.env["KIOSK_JAMSIM_DIR"])

    def connection(self) -> Any:
        import cups

        return cups.Connection()

    def set_film(self, mode: str, policy: str = "hold") -> None:
        (self.jamsim / "policy").write_text(policy + "\n")
        (self.jamsim / "mode").write_text(mode + "\n")

    def reset(self) -> None:
        self.set_film("ok")
        connection = self.connection()
        for queue in (self.env["KIOSK_PDF_QUEUE"], self.env["KIOSK_FILM_QUEUE"]):
            connection.cancelAllJobs(name=queue, purge_jobs=False)
            connection.enablePrinter(queue)
            connection.acceptJobs(queue)

    def film_jobs_done(self, since_id: int) -> int:
        """Film jobs CUPS completed with an id above ``since_id``."""
        return sum(
            1
            for path in (self.jamsim / "out").glob("job-*.bin")
            if int(path.stem.split("-")[1]) > since_id
        )

    def last_job_id(self) -> int:
        jobs = self.connection().getJobs(which_jobs="all", requested_attributes=["job-id"])
        return max(jobs, default=0)


# ----------------------------------------------------------------------------------- the run
@dataclass
class Visit:
    patient: int
    code: str
    faults: list[str]
    exit_code: int | None = None
    killed: bool = False
    items: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    first_sheet: float | None = None
    max_rss_kb: int = 0
    stderr: str = ""


def kiosk_config(work: Path, env: dict[str, str], cloud_port: int) -> Path:
    lines = [
        "[kiosk]",
        f'data_dir = "{work / "data"}"',
        'log_level = "INFO"',
        "[cloud]",
        f'url = "http://127.0.0.1:{cloud_port}/dicom-web"',
        f'username = "{env["ORTHANC_USER"]}"',
        f'password = "{env["ORTHANC_PASSWORD"]}"',
        "connect_timeout = 2",
        "read_timeout = 3",
        "retries = 1",
        "[cache]",
        "max_mb = 64",
        "[printers]",
        f'cups_server = "{env["CUPS_SERVER"]}"',
        "[printers.report]",
        f'queue = "{env["KIOSK_PDF_QUEUE"]}"',
        "[printers.film]",
        f'queue = "{env["KIOSK_FILM_QUEUE"]}"',
        "[film]",
        f'size = "{FILM_SIZE}"',
        f"dpi = {FILM_DPI}",
        "[printing]",
        "job_timeout = 8",
        "poll_interval = 0.1",
    ]
    path = work / "kiosk.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_visit(
    config: Path,
    code: str,
    faults: list[str],
    rng: random.Random,
    printers: Printers,
    proxy: FaultProxy,
) -> Visit:
    visit = Visit(-1, code, faults)
    for fault in faults:
        if fault == "offline":
            printers.set_film("offline", "stop")
        elif fault.startswith("cloud-"):
            proxy.mode = fault.removeprefix("cloud-")
    at_sheet = {f: rng.randint(1, 3) for f in faults if f in ("jam", "empty")}
    kill_after = rng.uniform(0.5, 7.0) if "kill" in faults else None
    start_job = printers.last_job_id()
    env = {**os.environ, "KIOSK_CONFIG": "", "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk_app", "print", code, "--config", str(config), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    armed = dict(at_sheet)
    while True:
        try:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            visit.max_rss_kb = usage.ru_maxrss
            break
        now = time.monotonic() - started
        done = printers.film_jobs_done(start_job)
        if done and visit.first_sheet is None:
            visit.first_sheet = now
        for fault, sheet in list(armed.items()):
            if done >= sheet - 1:  # the next sheet meets the fault
                printers.set_film("jam" if fault == "jam" else "empty", "hold")
                del armed[fault]
        if kill_after is not None and now >= kill_after:
            os.kill(proc.pid, signal.SIGKILL)
            visit.killed = True
            kill_after = None
        time.sleep(0.05)
    visit.seconds = time.monotonic() - started
    visit.exit_code = proc.returncode
    out, err = proc.communicate()
    visit.stderr = err[-2000:]
    if out.strip() and not visit.killed:
        try:
            visit.items = json.loads(out)["items"]
        except (ValueError, KeyError):
            visit.stderr += "\n(no JSON summary)"
    return visit


def nurse(config: Path, printers: Printers, proxy: FaultProxy, rng: random.Random) -> list[str]:
    """Clear every fault, then settle what waits: resume, confirm from the tray, or cancel."""
    from kiosk_app.app import build
    from kiosk_app.core.models import JobState
    from kiosk_app.settings import load
    from kiosk_app.store.repositories import JobRepository

    printers.set_film("ok")
    proxy.mode = "ok"
    connection = printers.connection()
    connection.enablePrinter(printers.env["KIOSK_FILM_QUEUE"])
    actions = []
    kiosk = build(load(config, env={}))
    try:
        kiosk.printing.reconcile()
        for waiting in kiosk.maintenance.waiting_jobs():
            job = waiting.job_id
            if waiting.state is JobState.UNKNOWN:
                with kiosk.store.session() as session:
                    units = JobRepository(session).get(job).units
                    uncertain = [u.digest for u in units if u.state == "uncertain"]
                in_tray = tray_digests(printers)
                found = [d in in_tray for d in uncertain]
                if found and all(found):  # the uncertain sheets are in the tray
                    try:
                        result = kiosk.maintenance.confirm_printed(job, "nurse.soak")
                    except Exception as exc:
                        actions.append(f"confirm-refused: {exc}")
                        continue
                    if result.state.open:
                        result = kiosk.printing.wait([job], 60)[job]
                    actions.append(f"confirm->{result.state.value}")
                    continue
                if any(found):  # some in the tray, some not: no way to say which
                    kiosk.maintenance.cancel(job, "nurse.soak", "sheets partly in the tray")
                    actions.append("cancel-partial")
                    continue
            if rng.random() < 0.2:
                kiosk.maintenance.cancel(job, "nurse.soak", "patient left")
                actions.append("cancel")
                continue
            try:
                kiosk.maintenance.resume(job, "nurse.soak")
            except Exception as exc:  # say it; the audit will judge what is left
                actions.append(f"resume-refused: {exc}")
                continue
            result = kiosk.printing.wait([job], 60)[job]
            actions.append(f"resume->{result.state.value}")
    finally:
        kiosk.close()
    return actions


def tray_digests(printers: Printers) -> dict[str, list[int]]:
    """Content digest of every film sheet jamsim printed -> the CUPS job ids that carried it."""
    found: dict[str, list[int]] = {}
    for path in (printers.jamsim / "out").glob("job-*.bin"):
        job = int(path.stem.split("-")[1])
        for digest in _page_digests(path):
            found.setdefault(digest, []).append(job)
    return found


_DIGESTS: dict[tuple[str, float], list[str]] = {}


def _page_digests(path: Path) -> list[str]:
    key = (str(path), path.stat().st_mtime)
    if key not in _DIGESTS:
        digests = []
        try:
            for page in PdfReader(io.BytesIO(path.read_bytes())).pages:
                images = page.images
                if not images or images[0].image is None:
                    continue
                pixels = np.asarray(images[0].image.convert("L"))
                for portrait in (True, False):
                    digests.append(sheet_digest(FilmSheet(pixels, FILM_SIZE, FILM_DPI, portrait)))
        except Exception:  # not a film (a reset job's text): no digests
            pass
        _DIGESTS[key] = digests
    return _DIGESTS[key]


# ------------------------------------------------------------------------------------ audit
def audit(
    work: Path, patients: list[Patient], visits: list[Visit], printers: Printers, first_job: int
) -> list[str]:
    violations: list[str] = []
    db = sqlite3.connect(work / "data" / "kiosk.db")
    owner = {p.study_uid: p for p in patients}
    by_code = {p.accession: p for p in patients if not p.reused_accession}
    reused = {p.accession for p in patients if p.reused_accession}
    tray = {d: [j for j in jobs if j > first_job] for d, jobs in tray_digests(printers).items()}
    tray = {d: jobs for d, jobs in tray.items() if jobs}
    reprints = dict(
        db.execute("SELECT item_key, count(*) FROM reprint_authorisations GROUP BY item_key")
    )
    units = db.execute(
        "SELECT j.id, j.kind, j.study_uid, j.patient_id, j.state, j.item_key, u.idx, u.state,"
        " u.printer_job_id, u.digest, j.attention FROM print_jobs j JOIN"
        ' (SELECT job_id, "index" AS idx, state, printer_job_id, digest FROM print_units) u'
        " ON u.job_id = j.id"
    ).fetchall()
    film_units = [u for u in units if u[1] == "film"]
    # 1. no sheet printed twice unless authorised
    digest_of_unit = {(u[0], u[6]): u[9] for u in film_units}
    known = set(digest_of_unit.values())
    for digest, jobs in tray.items():
        if digest not in known:
            continue
        items = {u[5] for u in film_units if u[9] == digest}
        allowed = 1 + sum(reprints.get(k, 0) for k in items)
        if len(jobs) > allowed:
            violations.append(f"sheet {digest} printed {len(jobs)} times (CUPS jobs {jobs})")
    # 2. delivered => every sheet received; nothing delivered that no printer received
    delivered = db.execute("SELECT item_key, kind, study_uid, job_id FROM ledger").fetchall()
    for key, kind, study, job in delivered:
        job_units = [u for u in units if u[0] == job]
        if kind == "film":
            for u in job_units:
                if u[9] not in tray:
                    violations.append(f"{key}: sheet {u[6] + 1} delivered, not in the tray")
        else:
            for u in job_units:
                pdfs = list(Path(printers.env["KIOSK_PDF_OUT"]).glob(f"*job_{u[8]}.pdf"))
                if not pdfs:
                    violations.append(f"{key}: report delivered, no cups-pdf output {u[8]}")
                    continue
                text = PdfReader(pdfs[0]).pages[0].extract_text()
                patient = owner.get(study)
                if patient is None or f"soak report {patient.patient_id}" not in text:
                    violations.append(f"{key}: the report on paper is another patient's")
                if patient is not None and not patient.final:
                    violations.append(f"{key}: a report that was not final printed")
    # 3. unknown jobs are held for a nurse
    for job_id, state, attention in {(u[0], u[4], u[10]) for u in units}:
        if state == "unknown" and not attention:
            violations.append(f"job {job_id}: unknown, not held for a nurse")
    # 4. the right patient's things only
    for job_id, study, patient_id in {(u[0], u[2], u[3]) for u in units}:
        patient = owner.get(study)
        if patient is None or patient.patient_id != patient_id:
            violations.append(f"job {job_id}: study of another patient or none")
    for visit in visits:
        for item in visit.items:
            if visit.code in reused and item["state"] == "delivered":
                violations.append(f"visit {visit.code}: printed for a shared accession")
            expected = by_code.get(visit.code)
            if expected and item["study_uid"] != expected.study_uid:
                violations.append(f"visit {visit.code}: item of study {item['study_uid']}")
    # 5. logs: no traceback, no patient data above DEBUG
    secrets = {p.patient_id for p in patients} | {p.accession for p in patients}
    secrets |= {p.name for p in patients} | {p.name.replace("^", " ") for p in patients}
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    for path in sorted((work / "data" / "log").glob("kiosk.log*")):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if "Traceback" in line:
                violations.append(f"{path.name}:{number}: a traceback")
            if " DEBUG " not in line[:40] and (m := pattern.search(line)):
                violations.append(f"{path.name}:{number}: patient data ({m.group(0)[:3]}...)")
    for visit in visits:
        if "Traceback" in visit.stderr:
            violations.append(f"visit {visit.code}: a traceback on stderr")
    # 6. resources: peak memory per visit flat, database within reason
    rss = [v.max_rss_kb for v in visits if v.max_rss_kb]
    if len(rss) >= 20:
        head, tail = statistics.median(rss[:10]), statistics.median(rss[-10:])
        if tail > head * 1.25:
            violations.append(f"peak memory per visit grew from {head} to {tail} KiB")
    db_mb = (work / "data" / "kiosk.db").stat().st_size / 2**20
    if db_mb > 64:
        violations.append(f"database {db_mb:.1f} MiB")
    db.close()
    return violations


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env_file(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^export (\w+)=(.*)$", path.read_text(), re.M))


def private_orthanc(run: Path, action: str) -> dict[str, str]:
    """Start (or stop) an Orthanc of the soak's own beside the shared servers: other tests
    clear the shared one whenever they like, which would empty the soak's archive mid-run."""
    env = {**os.environ, "ONLY": "orthanc", "RUN": str(run)}
    if action == "start":
        env |= {"ORTHANC_HTTP": str(_free_port()), "ORTHANC_DICOM": str(_free_port())}
    subprocess.run(
        ["bash", str(REPO / "scripts" / "services.sh"), action],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )
    return _env_file(run / "env.sh") if action == "start" else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="/tmp/kiosk-services/env.sh")
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--fault-rate", type=float, default=0.35)
    parser.add_argument("--work", type=Path, default=None, help="keep the run here")
    parser.add_argument(
        "--minutes", type=float, default=0, help="start no visit after this long (0: no limit)"
    )
    parser.add_argument(
        "--shared-orthanc",
        dest="private_orthanc",
        action="store_false",
        help="seed the shared Orthanc instead of starting one of the soak's own",
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    # A TERM (timeout, Ctrl+C's cousin) still stops the soak's own Orthanc and resets printers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    env = _env_file(Path(args.env))
    os.environ["CUPS_SERVER"] = env["CUPS_SERVER"]
    work = args.work or Path(tempfile.mkdtemp(prefix="kiosk-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.private_orthanc:
        private = private_orthanc(work / "orthanc-run", "start")
        env |= {k: v for k, v in private.items() if k.startswith("ORTHANC_")}
    code = 1
    try:
        code = soak(args, seed, rng, env, work)
    finally:
        if args.private_orthanc:
            private_orthanc(work / "orthanc-run", "stop")
        if args.work is None and code == 0:
            shutil.rmtree(work, ignore_errors=True)
    return code


def soak(
    args: argparse.Namespace, seed: int, rng: random.Random, env: dict[str, str], work: Path
) -> int:
    printers = Printers(env)
    printers.reset()
    host, port = env["ORTHANC_URL"].split("//")[1].split(":")
    proxy = FaultProxy((host, int(port)))
    config = kiosk_config(work, env, proxy.port)
    patients = make_patients(rng, args.patients, f"{seed:06d}")
    t0 = time.monotonic()
    seed_orthanc(env, patients)
    seeded_s = time.monotonic() - t0
    first_job = printers.last_job_id()
    visits: list[Visit] = []
    faults: Counter[str] = Counter()
    nurse_actions: Counter[str] = Counter()
    # Every patient comes once; some come back (print-once must hold); a few type a code
    # nobody has.
    order = [p.number for p in patients]
    order += rng.sample(order, k=max(1, len(order) // 10))
    order.append(-1)
    rng.shuffle(order)
    deadline = time.monotonic() + args.minutes * 60 if args.minutes else None
    try:
        for count, number in enumerate(order):
            if deadline is not None and time.monotonic() > deadline:
                print(f"time is up after {count} of {len(order)} visits", flush=True)
                break
            if count and count % 50 == 0:
                print(f"{count} visits, {sum(faults.values())} faults", flush=True)
            code = patients[number].accession if number >= 0 else "SKNOBODY0000"
            chosen = [f for f in FAULTS if rng.random() < args.fault_rate / len(FAULTS) * 2]
            faults.update(chosen)
            visit = run_visit(config, code, chosen, rng, printers, proxy)
            visit.patient = number
            visits.append(visit)
            left_open = visit.killed or any(i["state"] == "failed" for i in visit.items)
            if chosen or left_open:
                nurse_actions.update(a.split(":")[0] for a in nurse(config, printers, proxy, rng))
    finally:
        proxy.close()
        printers.reset()
    violations = audit(work, patients, visits, printers, first_job)
    report(seed, patients, visits, faults, nurse_actions, violations, seeded_s, work)
    return 1 if violations else 0


def report(
    seed: int,
    patients: list[Patient],
    visits: list[Visit],
    faults: Counter[str],
    nurse_actions: Counter[str],
    violations: list[str],
    seeded_s: float,
    work: Path,
) -> None:
    outcomes: Counter[str] = Counter()
    for visit in visits:
        if visit.killed:
            outcomes["killed"] += 1
        for item in visit.items:
            outcomes[f"{item['kind']} {item['state']}"] += 1
    firsts = sorted(v.first_sheet for v in visits if v.first_sheet is not None)
    rss = [v.max_rss_kb for v in visits if v.max_rss_kb]
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}"
    )
    came = len({v.patient for v in visits if v.patient >= 0})
    print(
        f"seed {seed}: {len(patients)} patients seeded in {seeded_s:.0f} s; {len(visits)} visits "
        f"by {came} of them"
    )
    print("faults: " + ", ".join(f"{k} {v}" for k, v in sorted(faults.items())) +
          f" ({sum(faults.values())} in all)")  # fmt: skip
    print("nurse: " + ", ".join(f"{k} {v}" for k, v in sorted(nurse_actions.items())))
    print("items: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    if firsts:
        p95 = firsts[min(len(firsts) - 1, int(len(firsts) * 0.95))]
        print(f"scan to first film sheet: p50 {statistics.median(firsts):.2f} s, p95 {p95:.2f} s")
    if rss:
        print(f"peak memory per visit: first {rss[0] // 1024} MiB, last {rss[-1] // 1024} MiB")
    print(f"violations: {len(violations)}")
    for line in violations[:100]:
        print(f"  VIOLATION {line}")
    if violations:
        print(f"seed {seed}; the run is kept in {work}")


if __name__ == "__main__":
    sys.exit(main())
