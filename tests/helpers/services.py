"""Fixtures for tests against the real servers that ``bash scripts/services.sh start`` runs.

A pytest plugin, loaded by ``tests/conftest.py`` for the integration and e2e tests.

* ``services_env`` (session): the variables of ``$KIOSK_SERVICES_ENV`` (default
  ``/tmp/kiosk-services/env.sh``) as a dict; skips the test when the file is missing (fails
  instead when ``KIOSK_REQUIRE_SERVICES=1``). Sets ``CUPS_SERVER`` for the session.
* ``cups_queues``: both Kiosk queues emptied, enabled, accepting, jamsim set to ``ok``/``hold``;
  helpers to find what a job printed and to inject film printer faults.
* ``orthanc``: a REST client for the test Orthanc, emptied at the start of each test.
* ``store``: a new kiosk database (SQLite) in the test's folder.

Helpers: :func:`wait_until`, :func:`drive_job` (poll a print job as the kiosk does),
:func:`print_and_wait` (a small job straight to a CUPS queue, to its end).
"""

from __future__ import annotations

import os
import shlex
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import requests
from pydicom import Dataset, dcmwrite

from drivers.printer.cups import parse_server
from kiosk_app.services.printing import JobResult, PrintingService
from kiosk_app.store import Store

DEFAULT_ENV_FILE = "/tmp/kiosk-services/env.sh"
POLL = 0.05


def parse_env_file(text: str) -> dict[str, str]:
    """``export A=1 B='x y'`` lines (as services.sh writes them) -> {"A": "1", "B": "x y"}."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if not words or words[0] != "export":
            continue
        for word in words[1:]:
            name, sep, value = word.partition("=")
            if sep:
                values[name] = value
    return values


@pytest.fixture(scope="session")
def services_env() -> Iterator[dict[str, str]]:
    path = Path(os.environ.get("KIOSK_SERVICES_ENV", DEFAULT_ENV_FILE))
    if not path.is_file():
        if os.environ.get("KIOSK_REQUIRE_SERVICES") == "1":
            pytest.fail(
                f"real services required but {path} is missing: bash scripts/services.sh start"
            )
        pytest.skip("real services not running: run bash scripts/services.sh start")
    env = parse_env_file(path.read_text())
    saved = os.environ.get("CUPS_SERVER")
    os.environ["CUPS_SERVER"] = env["CUPS_SERVER"]
    yield env
    if saved is None:
        os.environ.pop("CUPS_SERVER", None)
    else:
        os.environ["CUPS_SERVER"] = saved


def wait_until(condition: Any, timeout: float, what: str, interval: float = POLL) -> Any:
    """Poll ``condition()`` until it returns something truthy; fail the test after ``timeout``."""
    end = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > end:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "kiosk.db")


def drive_job(
    printing: PrintingService,
    job: int,
    until: Callable[[JobResult], bool],
    what: str,
    timeout: float = 60,
    interval: float = POLL,
) -> JobResult:
    """Poll the job as the kiosk does (check = ask the printer, send the next sheet) until
    ``until`` holds for its result; fail the test after ``timeout``."""
    result: JobResult = wait_until(
        lambda: (lambda r: r if until(r) else None)(printing.check(job)), timeout, what, interval
    )
    return result


def print_and_wait(
    connection: Any, queue: str, data: bytes, suffix: str, title: str, timeout: float, what: str
) -> int:
    """Print ``data`` (a ``suffix`` file) on a CUPS queue with no options; wait for its end."""
    with tempfile.NamedTemporaryFile(suffix=suffix) as file:
        file.write(data)
        file.flush()
        job: int = connection.printFile(queue, file.name, title, {})
    wait_until(lambda: connection.getJobAttributes(job)["job-state"] >= 7, timeout, what)
    return job


# ---------------------------------------------------------------------------------------- CUPS
@dataclass
class CupsQueues:
    """The two Kiosk queues of the test scheduler, and where their output lands."""

    report_queue: str
    film_queue: str
    server: str
    pdf_out: Path
    jamsim_dir: Path

    def connection(self) -> Any:
        """A fresh pycups connection to the test scheduler."""
        import cups

        host, port = parse_server(self.server)
        return cups.Connection(host=host, port=port)

    def report_output(self, job_id: str | int, timeout: float = 30.0) -> Path:
        """The PDF cups-pdf wrote for a KioskPDF job, once it exists and has stopped growing."""
        last: list[int] = [-1]

        def done() -> Path | None:
            found = sorted(self.pdf_out.glob(f"*job_{job_id}.pdf"))
            if not found:
                return None
            size = found[0].stat().st_size
            stable = size > 0 and size == last[0]
            last[0] = size
            return found[0] if stable else None

        return Path(wait_until(done, timeout, f"cups-pdf output of job {job_id}", interval=0.1))

    def film_output(self, job_id: str | int, timeout: float = 30.0) -> Path:
        """The bytes jamsim received for a KioskFilm job (it renames them into place whole)."""
        path = self.jamsim_dir / "out" / f"job-{job_id}.bin"
        wait_until(path.exists, timeout, f"jamsim output of job {job_id}")
        return path

    def set_film_fault(self, mode: str, policy: str = "hold") -> None:
        """jamsim's mode (``ok``, ``jam``, ``empty``, ``door``, ``offline``, ``toner-low``) and
        policy (``hold``, ``stop``, ``retry``, ``fail``, ``cancel``) for the next check it makes."""
        (self.jamsim_dir / "policy").write_text(policy + "\n")
        (self.jamsim_dir / "mode").write_text(mode + "\n")

    def set_film_markers(self, level: int) -> None:
        """The film level (0-100) jamsim reports with the next job."""
        (self.jamsim_dir / "markers").write_text(f"{level}\n")

    def reset(self) -> None:
        """Empty both queues and make them ready; clear a fault a killed job left behind."""
        self.set_film_fault("ok")
        self.set_film_markers(90)
        connection = self.connection()
        for queue in (self.report_queue, self.film_queue):
            connection.cancelAllJobs(name=queue, purge_jobs=False)
            connection.enablePrinter(queue)
            connection.acceptJobs(queue)

        def settled() -> bool:
            return all(
                connection.getPrinterAttributes(q, requested_attributes=["printer-state"])[
                    "printer-state"
                ]
                == 3
                for q in (self.report_queue, self.film_queue)
            )

        wait_until(settled, 15, "the Kiosk queues to become idle")
        reasons = connection.getPrinterAttributes(
            self.film_queue, requested_attributes=["printer-state-reasons"]
        )["printer-state-reasons"]
        if [r for r in reasons if r != "none"]:
            # A fault reason outlives a job cancelled while the backend held it. jamsim clears
            # its reasons at the start of every job, so one small job in "ok" mode resets it.
            print_and_wait(
                connection, self.film_queue, b"reset\n", ".txt", "reset", 15,
                "the reset job on the film queue",
            )  # fmt: skip


@pytest.fixture
def cups_queues(services_env: dict[str, str]) -> Iterator[CupsQueues]:
    queues = CupsQueues(
        report_queue=services_env["KIOSK_PDF_QUEUE"],
        film_queue=services_env["KIOSK_FILM_QUEUE"],
        server=services_env["CUPS_SERVER"],
        pdf_out=Path(services_env["KIOSK_PDF_OUT"]),
        jamsim_dir=Path(services_env["KIOSK_JAMSIM_DIR"]),
    )
    try:
        queues.reset()
    except RuntimeError as exc:  # pycups: failed to connect
        pytest.fail(f"cupsd at {queues.server} does not answer ({exc}): services.sh status")
    yield queues
    queues.reset()


# ------------------------------------------------------------------------------------- Orthanc
class OrthancClient:
    """The test Orthanc over REST: upload instances, empty the archive, plain requests."""

    def __init__(self, url: str, dicomweb_url: str, auth: tuple[str, str]) -> None:
        self.url = url.rstrip("/")
        self.dicomweb_url = dicomweb_url.rstrip("/")
        self.auth = auth
        self.session = requests.Session()
        self.session.trust_env = False  # never through a proxy: loopback only
        self.session.auth = auth

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET ``url + path`` (``path`` starts with ``/``), raising on an HTTP error."""
        response = self.session.get(self.url + path, timeout=30, **kwargs)
        response.raise_for_status()
        return response

    def upload(self, instance: Dataset | bytes | os.PathLike[str]) -> dict[str, Any]:
        """Store one instance (a dataset, Part 10 bytes or a file).

        Returns Orthanc's answer: ``ID``, ``ParentStudy``, ``ParentSeries``, ``Status``...
        """
        if isinstance(instance, Dataset):
            buffer = BytesIO()
            dcmwrite(buffer, instance, enforce_file_format=True)
            data = buffer.getvalue()
        elif isinstance(instance, bytes | bytearray):
            data = bytes(instance)
        else:
            data = Path(instance).read_bytes()
        response = self.session.post(
            self.url + "/instances",
            data=data,
            headers={"Content-Type": "application/dicom"},
            timeout=30,
        )
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def clear(self) -> None:
        """Delete every patient (and so every study, series and instance)."""
        for patient in self.get("/patients").json():
            self.session.delete(f"{self.url}/patients/{patient}", timeout=30).raise_for_status()


@pytest.fixture
def orthanc(services_env: dict[str, str]) -> OrthancClient:
    client = OrthancClient(
        services_env["ORTHANC_URL"],
        services_env["ORTHANC_DICOMWEB"],
        (services_env["ORTHANC_USER"], services_env["ORTHANC_PASSWORD"]),
    )
    try:
        client.clear()
    except requests.RequestException as exc:
        pytest.fail(f"Orthanc at {client.url} does not answer ({exc}): services.sh status")
    return client


# ----------------------------------------------------------------------------- DICOM print SCP
@dataclass
class PrintScpOutput:
    """dcmtk's print SCP (``dcmprscp``) and the films it stored since this test began."""

    ae_title: str
    host: str
    port: int
    database: Path
    before: frozenset[str]

    def images(self) -> list[Path]:
        """The Hardcopy Grayscale images (``HG_*.dcm``) stored since the test began, oldest
        first: one per printed film box."""
        new = [p for p in self.database.glob("HG_*.dcm") if p.name not in self.before]
        return sorted(new, key=lambda p: (p.stat().st_mtime_ns, p.name))


@pytest.fixture
def print_scp(services_env: dict[str, str]) -> PrintScpOutput:
    database = Path(services_env["PRINT_SCP_DB"])
    if not database.is_dir():
        pytest.fail(f"print SCP database {database} is missing: services.sh status")
    return PrintScpOutput(
        ae_title=services_env["PRINT_SCP_AET"],
        host=services_env.get("PRINT_SCP_HOST", "127.0.0.1"),
        port=int(services_env["PRINT_SCP_PORT"]),
        database=database,
        before=frozenset(p.name for p in database.glob("HG_*.dcm")),
    )
