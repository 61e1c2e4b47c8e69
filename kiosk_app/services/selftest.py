"""``kiosk selftest``: every configured device and service, checked as an installer would.

Each check gives one result, ``ok``, ``warn`` or ``fail``, with one line saying what was seen.
The checks talk to the devices through the objects :func:`kiosk_app.app.build_selftest` built
from the settings (drivers' :class:`~drivers.base.Printer` types, the study source), so this
module names no backend. A check that raises is a failure with the exception's text; nothing
here prompts, logs patient data or changes a device's state (no job is printed or cancelled).

Exit code of the command: 0 all ok, 6 warnings only, 1 at least one failure.
"""

from __future__ import annotations

import enum
import os
import shutil
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from drivers.base import FilmPrinter, Printer, PrinterState, PrinterStatus
from drivers.errors import DriverError, MediaUnsupportedError
from drivers.printer.media import film_size_names, match_media, pwg_media

SCHEMA = "kiosk-selftest/1"
EXIT_WARN = 6

# What counts as too little: free space on the data disk, clock skew, certificate lifetime.
DISK_FAIL_BYTES, DISK_WARN_BYTES = 1 << 30, 5 << 30
DISK_FAIL_RATIO, DISK_WARN_RATIO = 0.05, 0.15
CLOCK_WARN_S, CLOCK_FAIL_S = 30.0, 300.0
CERT_WARN_DAYS, CERT_FAIL_DAYS = 30, 7
# A kiosk clock before this date has certainly not been set (no release is older).
CLOCK_FLOOR = datetime(2026, 1, 1, tzinfo=UTC)


class Level(enum.IntEnum):
    """The verdict of one check; the report's verdict is the worst of them."""

    OK = 0
    """Works as configured."""
    WARN = 1
    """Works now, but needs attention soon (low disk, a certificate near expiry, toner low)."""
    FAIL = 2
    """Does not work: the kiosk cannot serve patients with it as configured."""

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class CheckResult:
    """One checked thing: ``name`` (stable, e.g. ``film_printer``), a level and one line.

    ``info`` is what the device said about itself, by name (a DICOM printer's Printer Name,
    Manufacturer, serial...), for ``--json``; the line already says the gist of it.
    """

    name: str
    level: Level
    detail: str
    info: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "level": self.level.label, "detail": self.detail}
        if self.info:
            out["info"] = dict(self.info)
        return out


#: What a check's ``run`` returns: (level, detail), or (level, detail, info).
Outcome = tuple[Level, str] | tuple[Level, str, Mapping[str, str]]


@dataclass(frozen=True)
class Check:
    """A named check: ``run`` returns (level, detail[, info]) or raises."""

    name: str
    run: Callable[[], Outcome]


@dataclass(frozen=True)
class SelftestReport:
    """Every result, in the order checked."""

    kiosk_id: str
    version: str
    results: tuple[CheckResult, ...]

    @property
    def worst(self) -> Level:
        return max((r.level for r in self.results), default=Level.OK)

    @property
    def exit_code(self) -> int:
        return {Level.OK: 0, Level.WARN: EXIT_WARN, Level.FAIL: 1}[self.worst]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kiosk_id": self.kiosk_id,
            "version": self.version,
            "worst": self.worst.label,
            "checks": [r.to_json() for r in self.results],
        }

    def lines(self) -> list[str]:
        width = max((len(r.name) for r in self.results), default=0)
        out = [f"{r.level.label:<4}  {r.name:<{width}}  {r.detail}" for r in self.results]
        counts = {level: sum(r.level is level for r in self.results) for level in Level}
        out.append(
            f"selftest of {self.kiosk_id}: {self.worst.label} "
            f"({counts[Level.OK]} ok, {counts[Level.WARN]} warn, {counts[Level.FAIL]} fail)"
        )
        return out


def run(checks: Sequence[Check], *, kiosk_id: str, version: str) -> SelftestReport:
    """Run every check; one that raises is a failure saying why, the others still run."""
    results = []
    for check in checks:
        info: Mapping[str, str] = {}
        try:
            level, detail, *more = check.run()
            info = more[0] if more else {}
        except DriverError as exc:
            level, detail = Level.FAIL, exc.detail
        except Exception as exc:
            level, detail = Level.FAIL, _one_line(exc)
        results.append(CheckResult(check.name, level, detail, info))
    return SelftestReport(kiosk_id, version, tuple(results))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------------- the cloud


class Pingable(Protocol):
    """A study source that answers a minimal QIDO-RS query (``DicomWebSource.ping``)."""

    def ping(self) -> None: ...


def check_cloud(source: Pingable, url: str, clock: Callable[[], float] = time.monotonic) -> Check:
    """QIDO-RS ``/studies?limit=1`` with the kiosk's credentials: reachable and authorised."""

    def run() -> tuple[Level, str]:
        started = clock()
        try:
            source.ping()
        except Exception as exc:
            status = getattr(exc, "status", None) or getattr(exc, "status_code", None)
            name = type(exc).__name__
            if "Auth" in name or status == 401:
                return Level.FAIL, f"{url}: the credentials were refused (401): {_one_line(exc)}"
            if "Forbidden" in name or status == 403:
                return Level.FAIL, f"{url}: this kiosk may not search (403): {_one_line(exc)}"
            return Level.FAIL, f"{url}: {_one_line(exc)}"
        return Level.OK, f"{url}: QIDO-RS search answered in {clock() - started:.2f} s"

    return Check("cloud", run)


#: A resident ID number nobody has (region 999999 does not exist, nobody was born in 1800),
#: with a valid check digit so that an MPI validating numbers still answers.
PROBE_ID_NUMBER = "999999180001019993"
#: A filtered ID-number search slower than this scans the archive (it will grow with it).
SLOW_LOOKUP_S = 1.0
_ID_MODE_FIX = (
    'set [identity] id_number_mode = "mpi" with mpi_url, or "patient_id" when the hospital '
    "uses the ID number as PatientID"
)


def check_id_lookup(
    mode: str,
    count: Callable[[str], int],
    what: str,
    clock: Callable[[], float] = time.monotonic,
    *,
    name: str = "id_lookup",
) -> Check:
    """The ID-card look-up as configured, asked for :data:`PROBE_ID_NUMBER`: a server that
    filters answers nothing; one that ignores the filter answers studies of other people
    (the kiosk then refuses every ID card, rather than read the archive).

    ``count(id_number)`` is the number of results the configured look-up brings (one page
    of the cloud's search, or the PatientIDs the MPI names).
    """

    def run() -> tuple[Level, str]:
        started = clock()
        found = count(PROBE_ID_NUMBER)
        seconds = clock() - started
        if found and mode == "mpi":
            return Level.WARN, (
                f"{what}: the MPI names {found} patient(s) for an ID number nobody has: "
                "ID-card visits may show someone else's exams; check the MPI's matching"
            )
        if found:
            return Level.WARN, (
                f"{what}: a search for an ID number nobody has answered {found}+ studies: the "
                "server does not filter it, so every ID card will be refused; " + _ID_MODE_FIX
            )
        if mode != "mpi" and seconds > SLOW_LOOKUP_S:
            return Level.WARN, (
                f"{what}: filtered by the server, but in {seconds:.2f} s: it reads its "
                "studies, so first visits slow down as the archive grows (second visits use "
                "the kiosk's ID-number map); " + _ID_MODE_FIX.replace("set", "better:", 1)
            )
        return Level.OK, (
            f"{what}: filtered by the server (nothing found for an ID number nobody has, "
            f"{seconds:.2f} s)"
        )

    return Check(name, run)


def check_local_archive(folder: Path) -> Check:
    def run() -> tuple[Level, str]:
        if not folder.is_dir():
            return Level.FAIL, f"local archive {folder}: no such folder"
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        if not count:
            return Level.FAIL, f"local archive {folder}: empty"
        return Level.OK, f"local archive {folder}: {count} files"

    return Check("cloud", run)


# --------------------------------------------------------------------------- printers

_ERROR_SUFFIX = "-error"


def _judge_status(status: PrinterStatus) -> tuple[Level, str]:
    reasons = [r for r in status.reasons if r and r != "none"]
    said = ", ".join(reasons) or "no conditions"
    if status.state is PrinterState.UNKNOWN:
        return Level.FAIL, f"{status.name}: cannot be asked: {status.message or 'no answer'}"
    if status.state is PrinterState.STOPPED:
        return Level.FAIL, f"{status.name}: stopped ({said}); a nurse must re-enable it"
    if not status.accepting_jobs:
        return Level.FAIL, f"{status.name}: not accepting jobs ({said})"
    if any(r.endswith(_ERROR_SUFFIX) or r in ("FAILURE",) for r in reasons):
        return Level.FAIL, f"{status.name}: {said}"
    low = {name: level for name, level in status.markers.items() if 0 <= level <= 10}
    supplies = ", ".join(f"{n} {v}%" for n, v in low.items())
    if reasons or low:
        seen = ", ".join(filter(None, (said if reasons else "", supplies)))
        return Level.WARN, f"{status.name}: {status.state.value}, {seen}"
    return Level.OK, f"{status.name}: {status.state.value}, accepting jobs"


def check_printer(role: str, printer: Printer, film_size: str = "") -> Check:
    """The printer's own status: CUPS queue accepting jobs (IPP), or DICOM C-ECHO + N-GET.

    With ``film_size`` (``[film] size``) a film printer must also print that size at its true
    size: a CUPS queue's ``media-supported`` must hold it, else the check fails.
    """

    def run() -> Outcome:
        echo = getattr(printer, "echo", None)
        prefix = ""
        if callable(echo):  # a DICOM print SCP: first that it answers at all
            seconds = echo()
            prefix = f"C-ECHO {seconds * 1000:.0f} ms; "
        identify = getattr(printer, "identify", None)
        if callable(identify):  # a DICOM print SCP: all it says about itself
            return _judge_identity(identify(), prefix)
        status = printer.status()
        level, detail = _judge_status(status)
        if not film_size or not isinstance(printer, FilmPrinter):
            return level, prefix + detail
        if status.state is PrinterState.UNKNOWN:
            return level, prefix + detail
        size_level, size_detail, info = _judge_film_size(printer, film_size, status.media_ready)
        return max(level, size_level), f"{prefix}{detail}; {size_detail}", info

    return Check(role, run)


def _judge_film_size(
    printer: FilmPrinter, size: str, ready: Sequence[str] = ()
) -> tuple[Level, str, Mapping[str, str]]:
    """Whether ``printer`` prints film ``size`` at its true size, and what media it lists; a
    warning when it says what is loaded (``media-ready``) and that size is not (it would ask
    for film at the first job)."""
    listed = getattr(printer, "media_supported", None)
    try:
        printer.check_film_size(size)
    except MediaUnsupportedError as exc:
        offers = ", ".join(film_size_names(exc.supported)) or "nothing"
        return (
            Level.FAIL,
            f"cannot print {size} film at its true size: {exc.media} is not in its "
            f"media-supported (it offers {offers}); film jobs are refused",
            {"media-supported": ", ".join(exc.supported)},
        )
    except DriverError as exc:
        return Level.WARN, f"film size {size} not checked: {exc.detail}", {}
    supported = listed() if callable(listed) else None
    if not supported:
        return Level.OK, f"film size {size} not checked (the queue lists no media)", {}
    found = match_media(pwg_media(size), supported)
    detail = f"prints {size} film at its true size ({found.wanted} as {found.supported})"
    info = {"media-supported": ", ".join(supported)}
    if not ready:
        return Level.OK, detail, info
    info["media-ready"] = ", ".join(ready)
    if not match_media(pwg_media(size), ready).ok:
        loaded = ", ".join(film_size_names(ready))
        return Level.WARN, f"{detail}, but {size} is not loaded (it has {loaded})", info
    return Level.OK, f"{detail}, loaded", info


def _judge_identity(identity: Any, prefix: str) -> Outcome:
    """A DICOM printer's N-GET answer (``drivers.film.dicom_print.PrinterIdentity``): the verdict
    on its status, then who it is and how the kiosk speaks to it, on the same line."""
    level, detail = _judge_status(identity.status)
    info = {
        **identity.attributes,
        "TransferSyntax": identity.transfer_syntax,
        "PresentationLUT": "supported" if identity.presentation_lut else "not supported",
    }
    return level, f"{prefix}{detail}; {identity.summary}", info


def check_folder_printer(role: str, folder: Path) -> Check:
    def run() -> tuple[Level, str]:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return Level.FAIL, f"folder printer {folder}: not writable"
        return Level.OK, f"folder printer: PDFs go to {folder} (demo, not a real printer)"

    return Check(role, run)


# --------------------------------------------------------------------------- input devices


def check_device_node(name: str, path: str, what: str) -> Check:
    """A device file (scanner event node, tty) that must exist and be readable."""

    def run() -> tuple[Level, str]:
        if not path:
            return Level.FAIL, f"{what}: no device configured"
        node = Path(path)
        if not node.exists():
            return Level.FAIL, f"{what} {path}: not present (unplugged, or another name?)"
        if not os.access(node, os.R_OK | os.W_OK):
            return Level.FAIL, f"{what} {path}: present, but this user may not open it"
        return Level.OK, f"{what} {path}: present -> {node.resolve()}"

    return Check(name, run)


def check_opens(name: str, what: str, probe: Callable[[], str]) -> Check:
    """A device opened (and closed) through its driver; ``probe`` says what it answered."""

    def run() -> tuple[Level, str]:
        return Level.OK, f"{what}: {probe()}"

    return Check(name, run)


def nothing_to_check(name: str, detail: str) -> Check:
    return Check(name, lambda: (Level.OK, detail))


# --------------------------------------------------------------------------- the machine


def check_disk(folder: Path) -> Check:
    def run() -> tuple[Level, str]:
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        usage = shutil.disk_usage(probe)
        ratio = usage.free / usage.total if usage.total else 0.0
        said = f"{folder}: {usage.free / (1 << 30):.1f} GiB free ({ratio:.0%})"
        if usage.free < DISK_FAIL_BYTES or ratio < DISK_FAIL_RATIO:
            return Level.FAIL, said
        if usage.free < DISK_WARN_BYTES or ratio < DISK_WARN_RATIO:
            return Level.WARN, said
        return Level.OK, said

    return Check("disk", run)


def server_date(url: str, timeout: float = 3.0) -> datetime | None:
    """The ``Date`` header of the server at ``url`` (any answer, even 401), or None."""
    import requests

    try:
        response = requests.head(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException:
        return None
    header = response.headers.get("Date")
    if not header:
        return None
    try:
        return parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None


def check_clock(
    reference: Callable[[], datetime | None],
    source: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Check:
    """The kiosk's clock against the cloud's (HTTP ``Date``); TLS and tokens need it right."""

    def run() -> tuple[Level, str]:
        local = now()
        if local < CLOCK_FLOOR:
            return Level.FAIL, f"the clock says {local:%Y-%m-%d %H:%M}Z: it was never set"
        theirs = reference()
        if theirs is None:
            return Level.OK, f"{local:%Y-%m-%d %H:%M:%S}Z; {source} gives no time to compare"
        skew = (local - theirs).total_seconds()
        said = f"{local:%Y-%m-%d %H:%M:%S}Z, {skew:+.0f} s against {source}"
        if abs(skew) >= CLOCK_FAIL_S:
            return Level.FAIL, said
        if abs(skew) >= CLOCK_WARN_S:
            return Level.WARN, said
        return Level.OK, said

    return Check("clock", run)


def _judge_expiry(what: str, not_after: datetime, now: datetime) -> tuple[Level, str]:
    left = not_after - now
    said = f"{what}: valid until {not_after:%Y-%m-%d} ({left.days} days)"
    if left < timedelta(days=CERT_FAIL_DAYS):
        if left.total_seconds() <= 0:
            return Level.FAIL, f"{what}: EXPIRED on {not_after:%Y-%m-%d}"
        return Level.FAIL, said
    if left < timedelta(days=CERT_WARN_DAYS):
        return Level.WARN, said
    return Level.OK, said


def certificate_file_expiry(path: Path) -> datetime:
    """notAfter of the first certificate in a PEM file."""
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return cert.not_valid_after_utc


def server_certificate_expiry(
    url: str, ca_bundle: Path | None = None, timeout: float = 5.0
) -> datetime:
    """notAfter of the certificate an HTTPS server presents, verified as the kiosk would."""
    from cryptography import x509

    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if der is None:
        raise ssl.SSLError(f"{host}:{port} presented no certificate")
    return x509.load_der_x509_certificate(der).not_valid_after_utc


def check_certificates(
    cloud_url: str,
    ca_bundle: Path | None,
    files: Sequence[tuple[str, Path]],
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    remote: Callable[[str, Path | None], datetime] = server_certificate_expiry,
) -> Check:
    """The cloud's TLS certificate and the kiosk's own (client, health endpoint) files."""

    def run() -> tuple[Level, str]:
        verdicts: list[tuple[Level, str]] = []
        current = now()
        if cloud_url.startswith("https://"):
            verdicts.append(_judge_expiry("cloud", remote(cloud_url, ca_bundle), current))
        elif cloud_url:
            verdicts.append((Level.WARN, "cloud link is plain HTTP: not encrypted"))
        for what, path in files:
            if not path.is_file():
                verdicts.append((Level.FAIL, f"{what} {path}: no such file"))
                continue
            verdicts.append(_judge_expiry(what, certificate_file_expiry(path), current))
        if not verdicts:
            return Level.OK, "no certificates configured"
        level = max(v[0] for v in verdicts)
        return level, "; ".join(v[1] for v in verdicts)

    return Check("certificates", run)


def check_monitoring(token: str, enabled: bool, bind: str, port: int) -> Check:
    """Whether the monitoring centre can read this kiosk's /status and /metrics."""

    def run() -> tuple[Level, str]:
        if not enabled:
            return Level.WARN, "health endpoint disabled: the monitoring centre sees nothing"
        if not token:
            return Level.FAIL, "health.token is empty: /status and /metrics refuse everyone"
        if len(token) < 16:
            return Level.WARN, "health.token is shorter than 16 characters"
        where = f"{bind}:{port}"
        if bind in ("127.0.0.1", "::1", "localhost"):
            return Level.WARN, f"endpoint on {where}: loopback only, not reachable from outside"
        return Level.OK, f"endpoint on {where}, token set"

    return Check("monitoring", run)
