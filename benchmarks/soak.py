"""A soak: many patients through the real ``kiosk print`` while faults arrive from a seeded
schedule, then an audit of what the printers received against what the kiosk recorded.

The real stack of ``scripts/services.sh``: Orthanc (behind a fault proxy of this script's own,
which can be down, slow or answer 500), the PDF report queue, and a kiosk per film printer:
cupsd's jam-simulating queue (jamsim), the IPP Everywhere queue in front of ippeveprinter, and
dcmtk's print SCP (behind a second proxy). Orthanc is seeded with synthetic patients:
multi-sheet CT and single-sheet CR studies, reports final or not yet, two patients with the
same name, an accession number reused by two patients. Every visit runs ``python -m kiosk_app
print CODE --json`` as its own process, as a kiosk's CLI flow would; faults (a jam or an empty
tray at a random sheet, the printer offline, the cloud down / slow / answering 500, SIGKILL of
the kiosk at a random moment, the data disk full, the wall clock jumped) come from
``random.Random(seed)`` alone, so a run's schedule is reproducible from its seed (``--plan``
prints it). After a visit that left something open, a nurse (a script, through the kiosk's own
MaintenanceService) clears the fault, looks in the tray (the printer's output) and resumes,
confirms or cancels.

The audit, from the printers' output (the film sheets jamsim and ippeveprinter received and the
print SCP stored, by content digest; cups-pdf's reports by CUPS job id) against each kiosk's
ledger and jobs:

* no sheet printed twice unless a nurse authorised a reprint;
* nothing marked delivered that no printer received, and every sheet of a delivered item there;
* every job whose outcome is unknown still held for a nurse (none settled by itself);
* no sheet of one patient's study in another patient's visit; the reused accession printed
  nothing; no report that was not final;
* no traceback and no patient data (ids, names, accession numbers) above DEBUG in the logs;
* each visit's peak resident memory and open files flat over the run, and this process's open
  files after each nurse; each database and cache within its size.

Exits 1 on any violation, printing each and the seed; prints a table of patients, faults by
kind and by printer, visits' outcomes, scan-to-first-sheet p50/p95, memory and open files at
start and end.

Run: python benchmarks/soak.py --env /tmp/kiosk-services/env.sh [--patients 50] [--seed 1]
(as root, holding ``flock -x /tmp/kiosk-servers.lock`` around it: it changes the shared
printers' modes, and mounts a small tmpfs per kiosk for its data).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
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
import pydicom
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
FAULTS = (
    "jam", "empty", "offline", "cloud-down", "cloud-slow", "cloud-500", "kill", "disk-full",
    "clock-jump",
)  # fmt: skip


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

    def __init__(self, target: tuple[str, int], delay: float = 2.5) -> None:
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
class FilmTarget:
    """One kiosk's film printer: the settings that point the kiosk at it, the faults it can
    have, and what it received (new since :meth:`snapshot`, by content digest)."""

    name = ""
    #: The printer faults this printer can simulate; the others are never scheduled for it.
    faults: frozenset[str] = frozenset()
    dpi = FILM_DPI
    #: What it needs in the services' env.
    needs: tuple[str, ...] = ()

    def __init__(self, env: dict[str, str]) -> None:
        missing = [key for key in self.needs if key not in env]
        if missing:
            raise KeyError(", ".join(missing))
        self.env = env
        self.before: frozenset[str] = frozenset()

    def settings(self) -> list[str]:
        raise NotImplementedError

    def outputs(self) -> list[Path]:
        """Every file the printer ever put out, one per printed job or film box."""
        raise NotImplementedError

    def digests(self, path: Path) -> list[str]:
        raise NotImplementedError

    def fault(self, kind: str) -> None:
        """Make the printer have ``kind`` (jam and empty: as the next sheet goes in)."""

    def reset(self) -> None:
        """Clear every fault; let what waits print."""

    def snapshot(self) -> None:
        self.before = frozenset(p.name for p in self.outputs())

    def received(self) -> list[Path]:
        return [p for p in self.outputs() if p.name not in self.before]

    def tray(self) -> dict[str, list[str]]:
        """Content digest of every sheet received this run -> the outputs that carried it."""
        found: dict[str, list[str]] = {}
        for path in self.received():
            for digest in self.digests(path):
                found.setdefault(digest, []).append(f"{self.name}:{path.name}")
        return found


class CupsTarget(FilmTarget):
    queue_key = ""

    @property
    def queue(self) -> str:
        return self.env[self.queue_key]

    def settings(self) -> list[str]:
        return ["[printers.film]", f'queue = "{self.queue}"']

    def connection(self) -> Any:
        import cups

        return cups.Connection()

    def digests(self, path: Path) -> list[str]:
        return _page_digests(path, self.dpi)

    def reset(self) -> None:
        connection = self.connection()
        connection.enablePrinter(self.queue)
        connection.acceptJobs(self.queue)

    def purge(self) -> None:
        self.connection().cancelAllJobs(name=self.queue, purge_jobs=False)
        self.reset()


class JamsimTarget(CupsTarget):
    """cupsd's KioskFilm queue: the jamsim backend, a file per CUPS job."""

    name, queue_key = "jamsim", "KIOSK_FILM_QUEUE"
    faults = frozenset({"jam", "empty", "offline"})
    needs = ("KIOSK_FILM_QUEUE", "KIOSK_JAMSIM_DIR")

    @property
    def jamsim(self) -> Path:
        return Path(self.env["KIOSK_JAMSIM_DIR"])

    def set_film(self, mode: str, policy: str = "hold") -> None:
        (self.jamsim / "policy").write_text(policy + "\n")
        (self.jamsim / "mode").write_text(mode + "\n")

    def fault(self, kind: str) -> None:
        if kind == "offline":
            self.set_film("offline", "stop")
        else:
            self.set_film(kind, "hold")

    def reset(self) -> None:
        self.set_film("ok")
        super().reset()

    def outputs(self) -> list[Path]:
        return list((self.jamsim / "out").glob("job-*.bin"))


class IppTarget(CupsTarget):
    """cupsd's KioskIPP queue (lpadmin -m everywhere: CUPS's filters and ipp backend) in front
    of ippeveprinter, whose print command keeps each document it got after the filters."""

    name, queue_key = "ipp", "KIOSK_IPP_QUEUE"
    faults = frozenset({"jam", "empty", "offline"})
    needs = ("KIOSK_IPP_QUEUE", "KIOSK_IPPJAM_DIR")

    @property
    def ippjam(self) -> Path:
        return Path(self.env["KIOSK_IPPJAM_DIR"])

    def fault(self, kind: str) -> None:
        if kind == "offline":  # the queue stopped, as CUPS stops one whose printer is gone
            self.connection().disablePrinter(self.queue)
        else:  # ippjam: media-jam-error / media-empty-error until the mode is ok again
            (self.ippjam / "mode").write_text(kind + "\n")

    def reset(self) -> None:
        (self.ippjam / "mode").write_text("ok\n")
        super().reset()

    def outputs(self) -> list[Path]:
        return list((self.ippjam / "out").glob("[0-9]*.pdf"))


class DicomTarget(FilmTarget):
    """dcmtk's print SCP behind a proxy of the soak's own (down: the printer offline); each
    film box it prints is stored as a Hardcopy Grayscale image, HG_*.dcm."""

    name = "dicom"
    faults = frozenset({"offline"})
    needs = ("PRINT_SCP_AET", "PRINT_SCP_PORT", "PRINT_SCP_DB")
    dpi = 130  # dcmprscp takes no image box under 1024 pixels a side

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env)
        self.proxy = FaultProxy(
            (env.get("PRINT_SCP_HOST", "127.0.0.1"), int(env["PRINT_SCP_PORT"]))
        )

    def settings(self) -> list[str]:
        return [
            "[printers.film]",
            'backend = "dicom"',
            f'ae_title = "{self.env["PRINT_SCP_AET"]}"',
            'host = "127.0.0.1"',
            f"port = {self.proxy.port}",
            "timeout = 10",
        ]

    def fault(self, kind: str) -> None:
        self.proxy.mode = "down"

    def reset(self) -> None:
        self.proxy.mode = "ok"

    def outputs(self) -> list[Path]:
        return list(Path(self.env["PRINT_SCP_DB"]).glob("HG_*.dcm"))

    def digests(self, path: Path) -> list[str]:
        key = (str(path), path.stat().st_mtime, path.stat().st_size)
        if key not in _DIGESTS:
            try:
                pixels = pydicom.dcmread(path).pixel_array
            except Exception:  # still being written: read it again next time
                return []
            _DIGESTS[key] = _sheet_digests(pixels.astype(np.uint8), self.dpi)
        return _DIGESTS[key]


TARGETS: dict[str, type[FilmTarget]] = {
    "jamsim": JamsimTarget,
    "ipp": IppTarget,
    "dicom": DicomTarget,
}


def _sheet_digests(pixels: np.ndarray, dpi: int) -> list[str]:
    """The digests a sheet of these pixels has, standing or lying (the file does not say)."""
    return [sheet_digest(FilmSheet(pixels, FILM_SIZE, dpi, portrait)) for portrait in (True, False)]


_DIGESTS: dict[tuple[str, float, int], list[str]] = {}


def _page_digests(path: Path, dpi: int) -> list[str]:
    key = (str(path), path.stat().st_mtime, path.stat().st_size)
    if key not in _DIGESTS:
        digests = []
        try:
            for page in PdfReader(io.BytesIO(path.read_bytes())).pages:
                images = page.images
                if not images or images[0].image is None:
                    continue
                digests += _sheet_digests(np.asarray(images[0].image.convert("L")), dpi)
        except Exception:  # not a film (a reset job's text): no digests
            pass
        _DIGESTS[key] = digests
    return _DIGESTS[key]


@dataclass
class Printers:
    """The shared CUPS report queue and the film printers of the run."""

    env: dict[str, str]
    films: dict[str, FilmTarget] = field(default_factory=dict)

    def connection(self) -> Any:
        import cups

        return cups.Connection()

    def reset(self) -> None:
        connection = self.connection()
        connection.cancelAllJobs(name=self.env["KIOSK_PDF_QUEUE"], purge_jobs=False)
        connection.enablePrinter(self.env["KIOSK_PDF_QUEUE"])
        connection.acceptJobs(self.env["KIOSK_PDF_QUEUE"])
        for film in self.films.values():
            film.reset()
            if isinstance(film, CupsTarget):
                film.purge()

    def tray(self) -> dict[str, list[str]]:
        """Every film sheet any printer received this run, by digest."""
        found: dict[str, list[str]] = {}
        for film in self.films.values():
            for digest, receipts in film.tray().items():
                found.setdefault(digest, []).extend(receipts)
        return found


# ----------------------------------------------------------------------------------- the run
#: libfaketime, for a clock jump in a visit's kiosk (Debian's faketime package).
FAKETIME = next(iter(Path("/usr/lib").glob("*/faketime/libfaketimeMT.so.1")), None)
DISK_MB, CACHE_MB = 48, 24


@dataclass
class Kiosk:
    """A kiosk of the run: its film printer, its settings and its data folder (on a small
    filesystem of its own when the soak may mount one, so it can fill up)."""

    film: FilmTarget
    home: Path
    config: Path
    disk: bool = False

    @property
    def name(self) -> str:
        return self.film.name

    @property
    def data(self) -> Path:
        return self.home / "data"

    def faults(self) -> set[str]:
        return possible_faults(self.film.faults, self.disk)


def possible_faults(printer_faults: frozenset[str], disk: bool) -> set[str]:
    """The faults that can be scheduled for a visit of a kiosk with such a printer."""
    kinds = {"cloud-down", "cloud-slow", "cloud-500", "kill", *printer_faults}
    if disk:
        kinds.add("disk-full")
    if FAKETIME is not None:
        kinds.add("clock-jump")
    return kinds


@dataclass
class Plan:
    """One visit as the schedule has it: who, at which kiosk, and what goes wrong when."""

    patient: int
    kiosk: int
    faults: list[str]
    at_sheet: dict[str, int] = field(default_factory=dict)  # jam/empty as this sheet goes in
    kill_after: float | None = None  # s after the scan
    fill_after: float | None = None
    clock: int = 0  # the wall clock's offset (s) as the kiosk starts ...
    jump: tuple[float, int] | None = None  # ... and (when, to which offset) it jumps later


def schedule(
    rng: random.Random, patients: list[Patient], kiosk_faults: list[set[str]], fault_rate: float
) -> list[Plan]:
    """Every visit of the run and its faults, from the seed alone (never from how the run
    goes, so a seed always means the same schedule)."""
    home = {p.number: rng.randrange(len(kiosk_faults)) for p in patients}  # each patient's kiosk
    # Every patient comes once; some come back (print-once must hold); a few type a code
    # nobody has.
    order = [p.number for p in patients]
    order += rng.sample(order, k=max(1, len(order) // 10))
    order.append(-1)
    rng.shuffle(order)
    plans = []
    for count, number in enumerate(order):
        kiosk = home.get(number, count % len(kiosk_faults))
        drawn = [f for f in FAULTS if rng.random() < fault_rate / len(FAULTS) * 2]
        plan = Plan(number, kiosk, [f for f in drawn if f in kiosk_faults[kiosk]])
        plan.at_sheet = {f: rng.randint(1, 3) for f in plan.faults if f in ("jam", "empty")}
        plan.kill_after = rng.uniform(0.5, 5.0) if "kill" in plan.faults else None
        plan.fill_after = rng.uniform(0.0, 4.0) if "disk-full" in plan.faults else None
        if "clock-jump" in plan.faults:
            # The wall clock is off by up to three hours either way as the kiosk starts (it
            # jumped since the last visit); in half the visits it jumps forwards again later.
            plan.clock = rng.choice((-1, 1)) * rng.randint(600, 3 * 3600)
            if rng.random() < 0.5:
                plan.jump = (rng.uniform(0.5, 4.0), plan.clock + rng.randint(600, 7200))
        plans.append(plan)
    return plans


@dataclass
class Visit:
    patient: int
    code: str
    faults: list[str]
    printer: str = ""
    exit_code: int | None = None
    killed: bool = False
    items: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    first_sheet: float | None = None
    max_rss_kb: int = 0
    max_fds: int = 0
    nurse_s: float = 0.0
    stderr: str = ""


def make_kiosk(work: Path, film: FilmTarget, env: dict[str, str], cloud_port: int) -> Kiosk:
    home = work / film.name
    (home / "data").mkdir(parents=True, exist_ok=True)
    kiosk = Kiosk(film, home, home / "kiosk.toml", disk=mount_disk(home / "data"))
    lines = [
        "[kiosk]",
        f'data_dir = "{kiosk.data}"',
        'log_level = "INFO"',
        "[cloud]",
        f'url = "http://127.0.0.1:{cloud_port}/dicom-web"',
        f'username = "{env["ORTHANC_USER"]}"',
        f'password = "{env["ORTHANC_PASSWORD"]}"',
        "connect_timeout = 2",
        "read_timeout = 3",
        "retries = 1",
        "[cache]",
        f"max_mb = {CACHE_MB}",
        "[printers]",
        f'cups_server = "{env["CUPS_SERVER"]}"',
        "[printers.report]",
        f'queue = "{env["KIOSK_PDF_QUEUE"]}"',
        *film.settings(),
        "[film]",
        f'size = "{FILM_SIZE}"',
        f"dpi = {film.dpi}",
        "[printing]",
        "job_timeout = 8",
        "poll_interval = 0.1",
    ]
    kiosk.config.write_text("\n".join(lines) + "\n")
    return kiosk


def mount_disk(path: Path) -> bool:
    """A tmpfs of DISK_MB at ``path`` (as root), for a data disk that fills up."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m,mode=0755", "kiosk-soak", str(path)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def unmount_disk(kiosk: Kiosk, keep: bool) -> None:
    if not kiosk.disk:
        return
    if keep:  # the data dies with the tmpfs: a copy for whoever reads the failed run
        shutil.copytree(kiosk.data, kiosk.home / "data-kept", dirs_exist_ok=True)
    if subprocess.run(["umount", str(kiosk.data)], capture_output=True, check=False).returncode:
        # busy (a killed kiosk's file still open): detached now, freed once the last file
        # closes, so no mount outlives the run (the fresh machine found two left behind)
        subprocess.run(["umount", "-l", str(kiosk.data)], capture_output=True, check=False)


def fill_disk(path: Path) -> Path:
    """Write a ballast file until the filesystem has no byte left."""
    ballast = path / "ballast.bin"
    with open(ballast, "wb", buffering=0) as f:
        for size in (2**20, 4096, 1):
            chunk = b"\0" * size
            try:
                while f.write(chunk):
                    pass
            except OSError:
                continue
    return ballast


def _open_files(pid: int | str) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def run_visit(kiosk: Kiosk, code: str, plan: Plan, proxy: FaultProxy) -> Visit:
    visit = Visit(plan.patient, code, plan.faults, kiosk.name)
    film = kiosk.film
    for fault in plan.faults:
        if fault == "offline":
            film.fault("offline")
        elif fault.startswith("cloud-"):
            proxy.mode = fault.removeprefix("cloud-")
    kill_after, fill_after, jump = plan.kill_after, plan.fill_after, plan.jump
    ballast: Path | None = None
    env = {**os.environ, "KIOSK_CONFIG": "", "PYTHONPATH": str(REPO)}
    if "clock-jump" in plan.faults and FAKETIME is not None:
        (kiosk.home / "clock").write_text(f"{plan.clock:+d}\n")
        env |= {
            "LD_PRELOAD": str(FAKETIME),
            "FAKETIME_TIMESTAMP_FILE": str(kiosk.home / "clock"),
            "FAKETIME_CACHE_DURATION": "1",
            "FAKETIME_FORCE_MONOTONIC_FIX": "1",
        }
    start_count = len(film.received())
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk_app", "print", code, "--config", str(kiosk.config), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    armed = dict(plan.at_sheet)
    while True:
        try:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            visit.max_rss_kb = usage.ru_maxrss
            break
        visit.max_fds = max(visit.max_fds, _open_files(proc.pid))
        now = time.monotonic() - started
        done = len(film.received()) - start_count
        if done and visit.first_sheet is None:
            visit.first_sheet = now
        for fault, sheet in list(armed.items()):
            if done >= sheet - 1:  # the next sheet meets the fault
                film.fault(fault)
                del armed[fault]
        if kill_after is not None and now >= kill_after:
            os.kill(proc.pid, signal.SIGKILL)
            visit.killed = True
            kill_after = None
        if fill_after is not None and now >= fill_after:
            ballast = fill_disk(kiosk.data)
            fill_after = None
        if jump is not None and now >= jump[0]:
            (kiosk.home / "clock").write_text(f"{jump[1]:+d}\n")
            jump = None
        time.sleep(0.05)
    visit.seconds = time.monotonic() - started
    visit.exit_code = proc.returncode
    out, err = proc.communicate()
    if ballast is not None:  # freed: the nurse (or the night's clean-up) made room
        ballast.unlink()
    visit.stderr = err[-2000:]
    if out.strip() and not visit.killed:
        try:
            visit.items = json.loads(out)["items"]
        except (ValueError, KeyError):
            visit.stderr += "\n(no JSON summary)"
    return visit


def nurse(kiosk: Kiosk, printers: Printers, proxy: FaultProxy, rng: random.Random) -> list[str]:
    """Clear every fault, then settle what waits: resume, confirm from the tray, or cancel."""
    from kiosk_app import logs
    from kiosk_app.app import build
    from kiosk_app.core.models import JobState
    from kiosk_app.settings import load
    from kiosk_app.store.repositories import JobRepository

    for film in printers.films.values():
        film.reset()
    proxy.mode = "ok"
    actions = []
    built = build(load(kiosk.config, env={}))
    try:
        built.printing.reconcile()
        for waiting in built.maintenance.waiting_jobs():
            job = waiting.job_id
            if waiting.state is JobState.UNKNOWN:
                with built.store.session() as session:
                    units = JobRepository(session).get(job).units
                    uncertain = [u.digest for u in units if u.state == "uncertain"]
                in_tray = kiosk.film.tray()
                found = [d in in_tray for d in uncertain]
                if found and all(found):  # the uncertain sheets are in the tray
                    try:
                        result = built.maintenance.confirm_printed(job, "nurse.soak")
                    except Exception as exc:
                        actions.append(f"confirm-refused: {exc}")
                        continue
                    if result.state.open:
                        result = built.printing.wait([job], 60)[job]
                    actions.append(f"confirm->{result.state.value}")
                    continue
                if any(found):  # some in the tray, some not: no way to say which
                    built.maintenance.cancel(job, "nurse.soak", "sheets partly in the tray")
                    actions.append("cancel-partial")
                    continue
            if rng.random() < 0.2:
                built.maintenance.cancel(job, "nurse.soak", "patient left")
                actions.append("cancel")
                continue
            try:
                built.maintenance.resume(job, "nurse.soak")
            except Exception as exc:  # say it; the audit will judge what is left
                actions.append(f"resume-refused: {exc}")
                continue
            result = built.printing.wait([job], 60)[job]
            actions.append(f"resume->{result.state.value}")
    finally:
        built.close()
        logs.configure("INFO", None)  # its log file closed too: the disk may be unmounted
    return actions


# ------------------------------------------------------------------------------------ audit
def _flat(values: list[int], what: str, grows: Any) -> list[str]:
    """A violation if the median of the last ten ``values`` is beyond ``grows(first ten)``."""
    if len(values) < 20:
        return []
    head, tail = statistics.median(values[:10]), statistics.median(values[-10:])
    return [f"{what} grew from {head} to {tail}"] if tail > grows(head) else []


def audit(
    kiosks: list[Kiosk],
    patients: list[Patient],
    visits: list[Visit],
    printers: Printers,
    harness_fds: list[int],
) -> list[str]:
    violations: list[str] = []
    tray = printers.tray()
    for kiosk in kiosks:
        violations += [f"{kiosk.name}: {v}" for v in audit_kiosk(kiosk, patients, tray, printers)]
    by_code = {p.accession: p for p in patients if not p.reused_accession}
    reused = {p.accession for p in patients if p.reused_accession}
    for visit in visits:
        for item in visit.items:
            if visit.code in reused and item["state"] == "delivered":
                violations.append(f"visit {visit.code}: printed for a shared accession")
            expected = by_code.get(visit.code)
            if expected and item["study_uid"] != expected.study_uid:
                violations.append(f"visit {visit.code}: item of study {item['study_uid']}")
        if "Traceback" in visit.stderr:
            violations.append(f"visit {visit.code}: a traceback on stderr")
    # resources: peak memory and open files per visit flat; the nurse's process (this one,
    # a kiosk built and closed each time) keeps no file open
    violations += _flat([v.max_rss_kb for v in visits if v.max_rss_kb],
                        "peak memory per visit (KiB)", lambda h: h * 1.25)  # fmt: skip
    violations += _flat([v.max_fds for v in visits if v.max_fds],
                        "peak open files per visit", lambda h: h + 8)  # fmt: skip
    violations += _flat(harness_fds, "open files after the nurse", lambda h: h + 8)
    return violations


def audit_kiosk(
    kiosk: Kiosk, patients: list[Patient], tray: dict[str, list[str]], printers: Printers
) -> list[str]:
    violations: list[str] = []
    db = sqlite3.connect(kiosk.data / "kiosk.db")
    owner = {p.study_uid: p for p in patients}
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
    known = {u[9] for u in film_units}
    for digest, receipts in tray.items():
        if digest not in known:
            continue
        items = {u[5] for u in film_units if u[9] == digest}
        allowed = 1 + sum(reprints.get(k, 0) for k in items)
        if len(receipts) > allowed:
            violations.append(f"sheet {digest} printed {len(receipts)} times ({receipts})")
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
    # 5. logs: no traceback, no patient data above DEBUG
    secrets = {p.patient_id for p in patients} | {p.accession for p in patients}
    secrets |= {p.name for p in patients} | {p.name.replace("^", " ") for p in patients}
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    for path in sorted((kiosk.data / "log").glob("kiosk.log*")):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if "Traceback" in line:
                violations.append(f"{path.name}:{number}: a traceback")
            if " DEBUG " not in line[:40] and (m := pattern.search(line)):
                violations.append(f"{path.name}:{number}: patient data ({m.group(0)[:3]}...)")
    # 6. database and cache within their caps
    db_mb = (kiosk.data / "kiosk.db").stat().st_size / 2**20
    if db_mb > 64:
        violations.append(f"database {db_mb:.1f} MiB")
    cache = kiosk.data / "cache"
    cache_mb = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) / 2**20
    if cache_mb > CACHE_MB:
        violations.append(f"cache {cache_mb:.1f} MiB, over its cap of {CACHE_MB}")
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
    parser.add_argument(
        "--printers",
        default="jamsim,ipp,dicom",
        help="film printers, a kiosk each, comma-separated (jamsim, ipp, dicom)",
    )
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
    parser.add_argument(
        "--plan",
        action="store_true",
        help="print the seed's schedule (faults by kind and printer) and exit: no servers needed",
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    if args.plan:
        return print_plan(args, seed, rng)
    # A TERM (timeout, Ctrl+C's cousin) still stops the soak's own Orthanc and resets printers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its font notes on every report read
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


def print_plan(args: argparse.Namespace, seed: int, rng: random.Random) -> int:
    """The schedule a run with this seed would follow (as root, with libfaketime)."""
    names = [n for n in args.printers.split(",") if n in TARGETS]
    patients = make_patients(rng, args.patients, f"{seed:06d}")
    kinds = [possible_faults(TARGETS[n].faults, disk=True) for n in names]
    plans = schedule(rng, patients, kinds, args.fault_rate)
    faults = Counter(f for plan in plans for f in plan.faults)
    print(f"seed {seed}: {len(plans)} visits")
    print("faults: " + ", ".join(f"{k} {v}" for k, v in sorted(faults.items())))
    for index, name in enumerate(names):
        mine = [plan for plan in plans if plan.kiosk == index]
        kinds_here = Counter(f for plan in mine for f in plan.faults)
        print(f"printer {name}: {len(mine)} visits; faults: "
              + ", ".join(f"{k} {v}" for k, v in sorted(kinds_here.items())))  # fmt: skip
    return 0


def soak(
    args: argparse.Namespace, seed: int, rng: random.Random, env: dict[str, str], work: Path
) -> int:
    names = [n for n in args.printers.split(",") if n]
    films: dict[str, FilmTarget] = {}
    for name in names:
        try:
            films[name] = TARGETS[name](env)
        except KeyError as exc:
            print(f"no {name} film printer here (the services' env has no {exc})", flush=True)
    printers = Printers(env, films)
    printers.reset()
    for film in films.values():
        film.snapshot()
    host, port = env["ORTHANC_URL"].split("//")[1].split(":")
    proxy = FaultProxy((host, int(port)))
    kiosks = [make_kiosk(work, film, env, proxy.port) for film in films.values()]
    patients = make_patients(rng, args.patients, f"{seed:06d}")
    plans = schedule(rng, patients, [k.faults() for k in kiosks], args.fault_rate)
    nurse_rng = random.Random(seed + 1)  # the nurse's choices never shift the schedule
    t0 = time.monotonic()
    seed_orthanc(env, patients)
    seeded_s = time.monotonic() - t0
    visits: list[Visit] = []
    faults: Counter[tuple[str, str]] = Counter()
    nurse_actions: Counter[str] = Counter()
    harness_fds: list[int] = []
    deadline = time.monotonic() + args.minutes * 60 if args.minutes else None
    code = 1
    try:
        for count, plan in enumerate(plans):
            if deadline is not None and time.monotonic() > deadline:
                print(f"time is up after {count} of {len(plans)} visits", flush=True)
                break
            if count and count % 50 == 0:
                print(f"{count} visits, {sum(faults.values())} faults", flush=True)
            kiosk = kiosks[plan.kiosk]
            number = plan.patient
            visit_code = patients[number].accession if number >= 0 else "SKNOBODY0000"
            faults.update((kiosk.name, f) for f in plan.faults)
            visit = run_visit(kiosk, visit_code, plan, proxy)
            visits.append(visit)
            left_open = visit.killed or any(i["state"] == "failed" for i in visit.items)
            if plan.faults or left_open:
                t_nurse = time.monotonic()
                actions = nurse(kiosk, printers, proxy, nurse_rng)
                visit.nurse_s = time.monotonic() - t_nurse
                nurse_actions.update(a.split(":")[0] for a in actions)
                harness_fds.append(_open_files("self"))
    finally:
        proxy.close()
        printers.reset()
        violations = audit(kiosks, patients, visits, printers, harness_fds)
        code = 1 if violations else 0
        for kiosk in kiosks:
            unmount_disk(kiosk, keep=bool(violations) or args.work is not None)
        for film in films.values():
            if isinstance(film, DicomTarget):
                film.proxy.close()
    report(seed, patients, visits, kiosks, faults, nurse_actions, violations, seeded_s, work)
    report_resources(visits, harness_fds, kiosks)
    return code


def report(
    seed: int,
    patients: list[Patient],
    visits: list[Visit],
    kiosks: list[Kiosk],
    faults: Counter[tuple[str, str]],
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
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}"
    )
    came = len({v.patient for v in visits if v.patient >= 0})
    print(
        f"seed {seed}: {len(patients)} patients seeded in {seeded_s:.0f} s; {len(visits)} visits "
        f"by {came} of them"
    )
    by_kind: Counter[str] = Counter()
    for (_, kind), n in faults.items():
        by_kind[kind] += n
    print("faults: " + ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())) +
          f" ({sum(by_kind.values())} in all)")  # fmt: skip
    for kiosk in kiosks:
        mine = [v for v in visits if v.printer == kiosk.name]
        kinds = ", ".join(f"{k} {n}" for (p, k), n in sorted(faults.items()) if p == kiosk.name)
        sheets = len(kiosk.film.received())
        print(f"printer {kiosk.name}: {len(mine)} visits, {sheets} films received; faults: {kinds}")
    print("nurse: " + ", ".join(f"{k} {v}" for k, v in sorted(nurse_actions.items())))
    print("items: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    if firsts:
        p95 = firsts[min(len(firsts) - 1, int(len(firsts) * 0.95))]
        print(f"scan to first film sheet: p50 {statistics.median(firsts):.2f} s, p95 {p95:.2f} s")
    if visits:
        took = sorted(v.seconds for v in visits)
        print(
            f"visits took p50 {statistics.median(took):.1f} s, longest {took[-1]:.1f} s, "
            f"{sum(took):.0f} s in all; the nurse {sum(v.nurse_s for v in visits):.0f} s"
        )
    print(f"violations: {len(violations)}")
    for line in violations[:100]:
        print(f"  VIOLATION {line}")
    if violations:
        print(f"seed {seed}; the run is kept in {work}")


def report_resources(visits: list[Visit], harness_fds: list[int], kiosks: list[Kiosk]) -> None:
    rss = [v.max_rss_kb for v in visits if v.max_rss_kb]
    fds = [v.max_fds for v in visits if v.max_fds]
    if rss:
        print(f"peak memory per visit: first {rss[0] // 1024} MiB, last {rss[-1] // 1024} MiB")
    if fds:
        print(f"peak open files per visit: first {fds[0]}, last {fds[-1]}, most {max(fds)}")
    if harness_fds:
        print(f"open files after the nurse: first {harness_fds[0]}, last {harness_fds[-1]}")
    disks = [k.name for k in kiosks if k.disk]
    print(f"data disks of {DISK_MB} MiB (tmpfs): {', '.join(disks) or 'none (not root)'}; "
          f"clock jumps: {'libfaketime' if FAKETIME else 'none (no libfaketime)'}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
