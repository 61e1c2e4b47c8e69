"""Composition root: settings -> store -> drivers -> services. The only place naming backends.

Everything is built here, once, by :func:`build`; the command line, the health server and the
window take what it built and patch nothing afterwards. Printers and scanners are found in
registries keyed by the ``backend`` setting (:data:`PRINTER_BACKENDS`, :data:`SCANNER_BACKENDS`):
a new printer backend is its driver file and one line in the registry (and its name among the
setting's allowed values, which a test keeps equal to the registry).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from drivers.audio.base import PromptPlayer
from drivers.base import DocumentPrinter, FilmPrinter, Printer
from drivers.idcard.reader import IdCardReader
from drivers.printer.cups import document_options
from drivers.scanner.base import Scanner
from kiosk_app import logs
from kiosk_app.core.models import Credential, CredentialKind, Exam, ItemKind
from kiosk_app.health.monitor import HealthMonitor
from kiosk_app.health.probes import link_probes
from kiosk_app.services import events, film, identify
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.content import FilmOptions, ItemContent
from kiosk_app.services.fleet import FleetLedger
from kiosk_app.services.health import HealthService
from kiosk_app.services.maintenance import MaintenanceService
from kiosk_app.services.operations import RemoteOperations
from kiosk_app.services.policy import Policy
from kiosk_app.services.prefetch import Prefetcher, PrefetchTask
from kiosk_app.services.printing import PrintingService
from kiosk_app.services.visit import VisitService
from kiosk_app.settings import PrinterSection, ScannerSection, Settings, SettingsError
from kiosk_app.sources.base import StudySource
from kiosk_app.sources.cached import CachingSource
from kiosk_app.sources.dicomweb import OTHER_IDS_TAG, PATIENT_ID_TAG, DicomWebSource
from kiosk_app.sources.local import LocalArchiveSource
from kiosk_app.store import Store, retention
from offline_cache.blobs import BlobStore
from offline_cache.keyfile import load_or_create_key
from offline_cache.sync import HttpTransport, OutboxSender

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Devices:
    """The kiosk's input and output devices besides the printers (each None when it has none)."""

    scanner: Scanner | None = None
    """None for a keyboard-wedge scanner too: the window reads the keyboard itself."""
    card_reader: IdCardReader | None = None
    prompt_player: PromptPlayer | None = None


@dataclass
class Kiosk:
    """Everything a front end (the screen, the command line) needs, wired once."""

    settings: Settings
    store: Store
    source: StudySource
    report_printer: DocumentPrinter
    film_printer: FilmPrinter
    printing: PrintingService
    visit: VisitService
    health: HealthService
    monitor: HealthMonitor
    """Polls the health snapshot once started (by the endpoint); each heartbeat carries it."""
    maintenance: MaintenanceService
    """What the nurse screens call."""
    devices: Devices
    """The scanner, ID-card reader and voice player (none unless :func:`build` was given them)."""
    operations: RemoteOperations
    """What the monitoring centre may do through the health endpoint's ``/ops/``."""
    # The cloud link: None when not configured (a local archive, no receiver).
    cache: BlobStore | None = None
    prefetcher: Prefetcher | None = None
    outbox_sender: OutboxSender | None = None
    fleet: FleetLedger | None = None
    """The fleet's shared ledger (``[fleet] database``); None: this kiosk alone."""
    _background: list[threading.Thread | PrefetchTask] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start_background(self) -> None:
        """Start the prefetch task, the retention pass and the outbox sender (the running
        kiosk, not one-shots)."""
        if self.prefetcher is not None and self.settings.prefetch.enabled:
            task = PrefetchTask(self.prefetcher, self.settings.prefetch.interval)
            task.start()
            self._background.append(task)
        thread = threading.Thread(target=self._retention_loop, name="retention", daemon=True)
        thread.start()
        self._background.append(thread)
        if self.fleet is not None:
            thread = threading.Thread(target=self._fleet_loop, name="fleet", daemon=True)
            thread.start()
            self._background.append(thread)
        if self.outbox_sender is not None:
            section = self.settings.outbox
            thread = threading.Thread(
                target=self.outbox_sender.run,
                args=(self._stop,),
                kwargs={
                    "interval": section.interval,
                    "heartbeat": self.heartbeat,
                    "heartbeat_interval": section.heartbeat_interval,
                    "enqueue_heartbeat": self.record_heartbeat,
                },
                name="outbox",
                daemon=True,
            )
            thread.start()
            self._background.append(thread)

    def enforce_retention(self, *, apply: bool = True) -> retention.RetentionReport:
        """Replace the patient identifiers of finished items older than ``[policy]
        retention_days`` by refs (:mod:`kiosk_app.store.retention`)."""
        key = load_or_create_key(self.settings.patient_ref_key_file)
        days = timedelta(days=self.settings.policy.retention_days)
        return retention.run(self.store, key, days, apply=apply)

    def _retention_loop(self) -> None:
        """The retention pass at start and then as often as the offline cache is purged
        (every ``[prefetch] interval``): cheap when nothing is due, and nothing waits a day."""
        while not self._stop.is_set():
            try:
                self.enforce_retention()
            except Exception:  # the kiosk must outlive a failed pass; the next one retries
                log.exception("retention pass failed")
            self._stop.wait(self.settings.prefetch.interval)

    def _fleet_loop(self) -> None:
        """Replay what an outage of the shared ledger left in the journal, as soon as it is
        back (every ``[outbox] interval``), not only at the next patient's visit."""
        assert self.fleet is not None
        while not self._stop.is_set():
            try:
                if self.fleet.unsynced():
                    self.fleet.reconcile()
            except Exception:  # the kiosk must outlive a failed pass; the next one retries
                log.exception("fleet reconcile failed")
            self._stop.wait(self.settings.outbox.interval)

    def heartbeat(self) -> dict[str, object]:
        beat: dict[str, object] = {
            "kiosk_id": self.settings.kiosk.id,
            "at": datetime.now(UTC).isoformat(),
        }
        beat["status"] = self.monitor.current().to_json()
        return beat

    def record_heartbeat(self, data: Mapping[str, Any]) -> None:
        with self.store.session() as session:
            events.heartbeat(session, dict(data))

    def flush_outbox(self) -> int:
        """Send due events for up to ``[outbox] flush_timeout`` seconds (one-shot commands)."""
        if self.outbox_sender is None:
            return 0
        try:
            return self.outbox_sender.flush(time.monotonic() + self.settings.outbox.flush_timeout)
        except Exception:  # never let reporting break the command that printed
            log.exception("outbox: flush failed")
            return 0

    def close(self) -> None:
        self._stop.set()
        for worker in self._background:
            if isinstance(worker, PrefetchTask):
                worker.stop()
            else:
                worker.join(5)
        self.flush_outbox()
        self.store.close()
        if self.fleet is not None:
            self.fleet.shared.close()


def build_source(settings: Settings) -> StudySource:
    cloud = settings.cloud
    if cloud.kind == "local":
        return LocalArchiveSource(cloud.archive_dir)
    return DicomWebSource(
        cloud.url,
        username=cloud.username,
        password=cloud.password,
        token=cloud.token,
        ca_bundle=str(cloud.ca_bundle) if cloud.ca_bundle else None,
        client_cert=str(cloud.client_cert) if cloud.client_cert else None,
        client_key=str(cloud.client_key) if cloud.client_key else None,
        connect_timeout=cloud.connect_timeout,
        read_timeout=cloud.read_timeout,
        retries=cloud.retries,
        backoff=cloud.backoff,
        max_parallel=cloud.max_parallel,
        qido_page_size=cloud.qido_page_size,
        qido_max_results=cloud.qido_max_results,
        max_patient_studies=cloud.max_patient_studies,
        stored_syntax=cloud.stored_syntax,
    )


def _cups_server(settings: Settings) -> str | None:
    return settings.printers.cups_server or None


def _cups_report(settings: Settings, section: PrinterSection) -> DocumentPrinter:
    from drivers.printer.cups import CupsDocumentPrinter

    return CupsDocumentPrinter(section.queue, server=_cups_server(settings))


def _cups_film(settings: Settings, section: PrinterSection) -> FilmPrinter:
    from drivers.printer.cups import CupsFilmPrinter

    return CupsFilmPrinter(section.queue, server=_cups_server(settings))


def _folder_report(settings: Settings, section: PrinterSection) -> DocumentPrinter:
    from drivers.printer.fake import FakeDocumentPrinter

    return FakeDocumentPrinter(_output(settings, section))


def _folder_film(settings: Settings, section: PrinterSection) -> FilmPrinter:
    from drivers.printer.fake import FakeFilmPrinter

    return FakeFilmPrinter(_output(settings, section))


def _dicom_film(settings: Settings, section: PrinterSection) -> FilmPrinter:
    from drivers.film.datasets import PresentationOptions, SessionOptions
    from drivers.film.dicom_print import DicomFilmPrinter

    return DicomFilmPrinter(
        section.ae_title,
        section.host,
        section.port,
        calling_ae_title=section.calling_ae_title,
        session=SessionOptions(
            medium_type=section.medium_type, film_destination=section.film_destination
        ),
        presentation=PresentationOptions(
            section.presentation_lut, section.illumination, section.reflected_ambient_light
        ),
        transfer_syntaxes=section.transfer_syntaxes,
        timeout=section.timeout,
    )


@dataclass(frozen=True)
class PrinterBackend:
    """How one ``[printers.*] backend`` makes its printers; None for a role it cannot fill."""

    report: Callable[[Settings, PrinterSection], DocumentPrinter] | None = None
    film: Callable[[Settings, PrinterSection], FilmPrinter] | None = None


#: ``[printers.report|film] backend`` -> how to build it (keys = the setting's allowed values)
PRINTER_BACKENDS: dict[str, PrinterBackend] = {
    "cups": PrinterBackend(report=_cups_report, film=_cups_film),
    "folder": PrinterBackend(report=_folder_report, film=_folder_film),
    "dicom": PrinterBackend(film=_dicom_film),
}


def _printer_backend(settings: Settings, role: str) -> PrinterBackend:
    name = getattr(settings.printers, role).backend
    backend = PRINTER_BACKENDS.get(name)
    if backend is None or getattr(backend, role) is None:
        fits = sorted(n for n, b in PRINTER_BACKENDS.items() if getattr(b, role) is not None)
        raise SettingsError(
            f"printers.{role}.backend: {name!r} cannot be the {role} printer "
            f"(expected one of {', '.join(fits)})"
        )
    return backend


def build_report_printer(settings: Settings) -> DocumentPrinter:
    """The report printer ``[printers.report]`` names (nothing is opened yet)."""
    make = _printer_backend(settings, "report").report
    assert make is not None
    return make(settings, settings.printers.report)


def build_film_printer(settings: Settings) -> FilmPrinter:
    """The film printer ``[printers.film]`` names (nothing is opened yet)."""
    make = _printer_backend(settings, "film").film
    assert make is not None
    return make(settings, settings.printers.film)


def _hid_scanner(section: ScannerSection) -> Scanner:
    from drivers.scanner.hid import HidScanner

    return HidScanner(section.hid_device, suffix=section.suffix, prefix=section.prefix)


def _serial_scanner(section: ScannerSection) -> Scanner:
    from drivers.scanner.serial import SerialScanner

    return SerialScanner(section.serial_port, baudrate=section.serial_baud, prefix=section.prefix)


def _camera_scanner(section: ScannerSection) -> Scanner:
    from drivers.scanner.camera_qr import CameraQrScanner

    if section.camera_replay:  # pictures instead of a camera (demo, training)
        from drivers.scanner.fake import FakeCamera

        replay = FakeCamera.from_paths(section.camera_replay)
        return CameraQrScanner(section.camera_index, frames=replay)
    return CameraQrScanner(section.camera_index)


#: ``[scanner] backend`` -> how to build it; None: the keyboard wedge, which the window reads
SCANNER_BACKENDS: dict[str, Callable[[ScannerSection], Scanner] | None] = {
    "keyboard": None,
    "hid": _hid_scanner,
    "serial": _serial_scanner,
    "camera": _camera_scanner,
}


def build_scanner(settings: Settings) -> Scanner | None:
    """The configured scanner; None for `keyboard` (the window's ScanInputFilter reads it)."""
    make = SCANNER_BACKENDS[settings.scanner.backend]
    return make(settings.scanner) if make is not None else None


def build_idcard_reader(settings: Settings) -> IdCardReader | None:
    """The ID card reader on ``scanner.idcard_port``; None when the kiosk has none."""
    if not settings.scanner.idcard_port:
        return None
    from drivers.idcard.serial_reader import SerialIdCardReader

    return SerialIdCardReader(settings.scanner.idcard_port)


def build_prompt_player(settings: Settings) -> PromptPlayer | None:
    """The voice prompts' player (``aplay`` on ``voice.device``); None when voice is off."""
    if not settings.voice.enabled:
        return None
    from drivers.audio.aplay import AplayPromptPlayer

    return AplayPromptPlayer(device=settings.voice.device, volume=settings.voice.volume)


def _output(settings: Settings, section: PrinterSection) -> str:
    folder = settings.output_dir(section)
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def build_devices(settings: Settings) -> Devices:
    """The configured scanner, ID-card reader and voice player (none is opened yet)."""
    return Devices(
        scanner=build_scanner(settings),
        card_reader=build_idcard_reader(settings),
        prompt_player=build_prompt_player(settings),
    )


def build(
    settings: Settings, *, console_log: bool = False, devices: Devices | None = None
) -> Kiosk:
    """Wire the kiosk. Opens (and migrates) the database; talks to no device yet.

    ``devices``: the scanner, card reader and voice player, for the screen
    (:func:`build_devices`); the command line needs none.
    """
    logs.configure(
        settings.kiosk.log_level,
        settings.log_dir,
        console=console_log,
        fmt=settings.logs.format,
        kiosk_id=settings.kiosk.id,
    )
    store = Store.open(settings.database_path)
    source = build_source(settings)
    # Identity asks through the cache like everything else: the cloud's answer when it answers,
    # else what a search or the prefetcher left (a patient with only an ID card, cloud down).
    source, cache, prefetcher = _offline_cache(settings, store, source)
    report_printer = build_report_printer(settings)
    film_printer = build_film_printer(settings)
    printers: dict[str, Printer] = {"report": report_printer, "film": film_printer}
    catalog = Catalog(
        source,
        pdf_reports_final=settings.policy.pdf_reports_final,
        max_parallel=settings.cloud.max_parallel,
        hospital_name=settings.kiosk.hospital_name,
    )
    content = ItemContent(
        catalog,
        FilmOptions(
            size=settings.film.size,
            dpi=settings.film.dpi,
            config=film.FilmConfig.from_settings(settings.film, settings.kiosk.hospital_name),
        ),
        prepare_ahead=settings.film.prepare_ahead,
    )
    fleet = build_fleet(settings, store, source)
    printing = PrintingService(
        store,
        report_printer,
        film_printer,
        poll_interval=settings.printing.poll_interval,
        report_options=document_options(duplex=settings.printers.report.duplex),
        recompose=content.recompose,  # a paused job resumes after a restart, if identical
        fleet=fleet,
    )
    try:
        find = identify.from_settings(
            settings.identity,
            settings.kiosk.data_dir,
            catalog,
            source,
            map_key=load_or_create_key(settings.patient_ref_key_file),
            map_retention=settings.cache.retention_days * 86400.0,
        ).find
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    visit = VisitService(
        store=store,
        catalog=catalog,
        policy=Policy(print_once=settings.policy.print_once),
        printing=printing,
        content=content,
        job_timeout=settings.printing.job_timeout,
        identify=find,
        recent_days=settings.policy.recent_days,
        fleet=fleet,
    )
    health = HealthService(
        kiosk_id=settings.kiosk.id, printers=printers, source=source, store=store
    )
    outbox_sender = _outbox_sender(settings, store)
    monitor = HealthMonitor(
        health,
        data_dir=settings.kiosk.data_dir,
        interval=settings.health.poll_interval,
        stale_after=settings.health.stale_after,
        probes=link_probes(store, source, cache, outbox_sender, fleet),
    )
    maintenance = MaintenanceService(store, printing, printers, fleet=fleet)
    operations = RemoteOperations(
        maintenance,
        kiosk_id=settings.kiosk.id,
        log_dir=settings.log_dir,
        selftest=lambda: _selftest_json(settings),
        default_log_hours=settings.health.log_bundle_hours,
    )
    return Kiosk(
        settings,
        store,
        source,
        report_printer,
        film_printer,
        printing,
        visit,
        health,
        monitor,
        maintenance,
        devices or Devices(),
        operations,
        cache=cache,
        prefetcher=prefetcher,
        outbox_sender=outbox_sender,
        fleet=fleet,
    )


def fleet_url(settings: Settings) -> str:
    """``[fleet] database`` with TLS verification against ``[fleet] ca_file`` when set."""
    section = settings.fleet
    url = make_url(section.database)
    if not url.drivername.startswith("postgresql"):
        raise SettingsError(
            f"fleet.database: {url.drivername!r} is not PostgreSQL "
            "(expected postgresql+psycopg://ROLE:PASSWORD@HOST:PORT/DATABASE)"
        )
    if section.ca_file is not None:
        url = url.update_query_dict({"sslmode": "verify-full", "sslrootcert": str(section.ca_file)})
    return url.render_as_string(hide_password=False)


def build_fleet(settings: Settings, store: Store, source: StudySource) -> FleetLedger | None:
    """The fleet's shared ledger, not yet connected (the first claim or look connects and
    migrates it); None without ``[fleet] database``."""
    section = settings.fleet
    if not section.database:
        return None
    shared = Store.for_url(
        fleet_url(settings), connect_timeout=section.connect_timeout, role=section.role
    )

    def prefetched(exam: Exam, kind: ItemKind) -> bool:
        """This kiosk holds the item's content itself: every instance in its offline cache,
        or a local archive (on its own disk by nature)."""
        if isinstance(source, LocalArchiveSource):
            return True
        if not isinstance(source, CachingSource):
            return False
        if kind is ItemKind.REPORT:
            refs = [exam.report.instance] if exam.report is not None else []
        else:
            refs = list(exam.images)
        return bool(refs) and all(source.has_instance(ref) for ref in refs)

    return FleetLedger(
        shared,
        store,
        settings.kiosk.id,
        lease=section.lease_seconds,
        offline=section.offline,
        prefetched=prefetched,
        print_once=settings.policy.print_once,
    )


def _offline_cache(
    settings: Settings, store: Store, source: StudySource
) -> tuple[StudySource, BlobStore | None, Prefetcher | None]:
    """Wrap a cloud source in the encrypted offline cache, with its prefetcher."""
    if not settings.cache.enabled or not isinstance(source, DicomWebSource):
        return source, None, None
    section = settings.cache
    blobs = BlobStore(
        settings.cache_dir,
        store.engine,
        load_or_create_key(settings.cache_key_file),
        max_bytes=section.max_mb * 1024 * 1024,
        retention=timedelta(days=section.retention_days),
    )
    cached = CachingSource(source, blobs)
    prefetcher = Prefetcher(
        source,
        cached,
        window_days=settings.prefetch.window_days,
        max_studies=settings.prefetch.max_studies,
        pdf_reports_final=settings.policy.pdf_reports_final,
    )
    return cached, blobs, prefetcher


def _outbox_sender(settings: Settings, store: Store) -> OutboxSender | None:
    section = settings.outbox
    if not section.url:
        return None
    transport = HttpTransport(
        section.url,
        token=section.token,
        timeout=(settings.cloud.connect_timeout, settings.cloud.read_timeout),
        ca_bundle=str(settings.cloud.ca_bundle) if settings.cloud.ca_bundle else None,
    )
    return OutboxSender(store.engine, transport, backoff_max=section.backoff_max)


def _selftest_json(settings: Settings) -> dict[str, Any]:
    """The self-test's report as ``kiosk selftest --json`` prints it (remote operations)."""
    from kiosk_app import __version__
    from kiosk_app.services import selftest

    report = selftest.run(build_selftest(settings), kiosk_id=settings.kiosk.id, version=__version__)
    return report.to_json()


def build_selftest(settings: Settings) -> list[Any]:
    """The installer's checks (``kiosk selftest``) of the configured backends.

    Builds the drivers without opening anything; each check opens what it checks. No database
    and no log files are touched, so running it as root leaves nothing behind.
    """
    from kiosk_app.services import selftest as st

    checks: list[st.Check] = []
    cloud = settings.cloud
    if cloud.kind == "local":
        checks.append(st.check_local_archive(cloud.archive_dir))
    else:
        checks.append(st.check_cloud(build_source(settings), cloud.url))
    for role, section, build_printer in (
        ("report_printer", settings.printers.report, build_report_printer),
        ("film_printer", settings.printers.film, build_film_printer),
    ):
        if section.backend == "folder":
            checks.append(st.check_folder_printer(role, settings.output_dir(section)))
        else:
            size = settings.film.size if role == "film_printer" else ""
            checks.append(st.check_printer(role, build_printer(settings), film_size=size))
    checks.extend(_selftest_inputs(settings))
    checks.append(_selftest_voice(settings))
    checks.append(st.check_disk(settings.kiosk.data_dir))
    remote = cloud.url if cloud.kind == "dicomweb" else ""
    checks.append(
        st.check_clock(
            (lambda: st.server_date(remote)) if remote else (lambda: None),
            f"the cloud ({remote})" if remote else "no cloud",
        )
    )
    files = [
        (what, path)
        for what, path in (
            ("cloud client certificate", cloud.client_cert),
            ("health endpoint certificate", settings.health.tls_cert),
        )
        if path is not None
    ]
    checks.append(st.check_certificates(remote, cloud.ca_bundle, files))
    health = settings.health
    checks.append(st.check_monitoring(health.token, health.enabled, health.bind, health.port))
    if settings.fleet.database:
        checks.append(_selftest_fleet(settings))
    checks.extend(_selftest_id_lookup(settings))
    return checks


def _selftest_id_lookup(settings: Settings) -> list[Any]:
    """The ID-card look-up of ``[identity]``, probed with an ID number nobody has: the MPI
    (``mpi_url``) must know nobody, the cloud's search (modes other than ``mpi``) must be
    filtered by the cloud (a local archive filters itself)."""
    from kiosk_app.services import selftest as st

    section, mode = settings.identity, settings.identity.id_number_mode
    checks: list[st.Check] = []
    if mode == "mpi" and not section.mpi_url:
        message = "id_number_mode = mpi but mpi_url is not set"
        return [st.Check("id_lookup", lambda: (st.Level.FAIL, message))]
    if section.mpi_url and mode != "patient_id":
        mpi = identify.HttpLookup(
            section.mpi_url, token=section.endpoint_token, timeout=section.endpoint_timeout
        )

        def from_mpi(id_number: str) -> int:
            credential = Credential(CredentialKind.NATIONAL_ID, id_number)
            try:
                return len(mpi.patient_ids(credential))
            except identify.NotRegisteredError:
                return 0

        name = "id_lookup" if mode == "mpi" else "id_lookup_mpi"
        checks.append(st.check_id_lookup("mpi", from_mpi, f"MPI {section.mpi_url}", name=name))
    if mode == "mpi" or settings.cloud.kind != "dicomweb":
        return checks
    source = build_source(settings)
    assert isinstance(source, DicomWebSource)
    key = OTHER_IDS_TAG if mode == "other_ids" else PATIENT_ID_TAG
    attribute = "OtherPatientIDs (0010,1000)" if mode == "other_ids" else "PatientID"
    checks.append(
        st.check_id_lookup(
            mode,
            lambda id_number: source.probe_filter(key, id_number),
            f"{settings.cloud.url} by {attribute}",
        )
    )
    return checks


def _selftest_fleet(settings: Settings) -> Any:
    """The fleet's shared ledger: reachable as this kiosk's role, over TLS, at which schema
    (the first kiosk's start migrates it; the check itself changes nothing)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    from kiosk_app.services import selftest as st

    def run() -> tuple[st.Level, str]:
        section = settings.fleet
        shared = Store.for_url(
            fleet_url(settings), connect_timeout=section.connect_timeout, role=section.role
        )
        try:
            with shared.engine.connect() as conn:
                user = conn.execute(text("SELECT session_user")).scalar_one()
                # libpq's own word (the server's statistics views hide it from a SET ROLE)
                dbapi = conn.connection.dbapi_connection
                tls = bool(getattr(getattr(dbapi, "pgconn", None), "ssl_in_use", False))
                heads = MigrationContext.configure(conn).get_current_heads()
        except Exception as exc:
            return st.Level.FAIL, f"cannot reach the fleet's shared ledger: {_first_line(exc)}"
        finally:
            shared.close()
        where = f"{shared.engine.url.host}:{shared.engine.url.port} as {user}"
        schema = ", ".join(sorted(heads)) or "empty (the kiosk's first start creates it)"
        if not tls:
            return st.Level.WARN, f"the fleet's ledger at {where} answers WITHOUT TLS; {schema}"
        verified = "verified" if section.ca_file else "NOT verified (set [fleet] ca_file)"
        level = st.Level.OK if section.ca_file else st.Level.WARN
        return level, f"the fleet's ledger at {where}, TLS {verified}; schema {schema}"

    return st.Check("fleet_ledger", run)


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _selftest_voice(settings: Settings) -> Any:
    """With voice prompts on: every prompt file there, and the home prompt really played on
    the configured device (the installer hears it; aplay's exit status says it played)."""
    from kiosk_app.services import selftest as st
    from kiosk_app.services.voice import LOCALES, PROMPTS, VoicePrompts

    voice = settings.voice
    if not voice.enabled:
        return st.nothing_to_check("voice", "voice prompts off ([voice] enabled = false)")
    prompts = VoicePrompts(None, voice.directory, enabled=False)

    def run() -> tuple[st.Level, str]:
        missing = [
            f"{locale}/{name}.wav"
            for locale in LOCALES
            for name in PROMPTS
            if not prompts.path(name, locale).is_file()
        ]
        if missing:
            return st.Level.FAIL, f"prompt files missing in {voice.directory}: {', '.join(missing)}"
        from drivers.audio.aplay import AplayPromptPlayer

        available = AplayPromptPlayer.is_available()
        if not available.ok:
            return st.Level.FAIL, f"cannot play prompts: needs {available.missing}"
        if voice.volume == 0:
            return st.Level.WARN, "voice prompts are on at volume 0: nobody hears them"
        player = AplayPromptPlayer(device=voice.device, volume=voice.volume)
        player.play(prompts.path("home", settings.kiosk.language))
        status = player.wait(30)
        player.close()
        if player.broken:
            return st.Level.FAIL, player.broken
        if status != 0:
            return st.Level.FAIL, f"the home prompt did not finish playing on {voice.device}"
        found = f"{len(PROMPTS)} prompts in {len(LOCALES)} languages"
        return st.Level.OK, f"{found}; the home prompt played on {voice.device}"

    return st.Check("voice", run)


def _selftest_inputs(settings: Settings) -> list[Any]:
    from kiosk_app.services import selftest as st

    section = settings.scanner
    checks: list[st.Check] = []
    if section.backend == "keyboard":
        checks.append(st.nothing_to_check("scanner", "keyboard wedge: scan a code on the screen"))
    elif section.backend == "hid":
        checks.append(st.check_device_node("scanner", section.hid_device, "HID scanner"))
    elif section.backend == "serial":
        scanner = build_scanner(settings)

        def serial_probe() -> str:
            assert scanner is not None
            scanner.open()
            scanner.close()
            return f"opened at {section.serial_baud} bps"

        what = f"serial scanner {section.serial_port}"
        checks.append(st.check_opens("scanner", what, serial_probe))
    elif section.backend == "camera" and section.camera_replay:
        checks.append(st.nothing_to_check("camera", "pictures replayed instead of a camera"))
    elif section.backend == "camera":
        from drivers.scanner.camera_qr import probe_frames

        def camera_probe() -> str:
            rows, columns = probe_frames(section.camera_index)
            return f"delivers {columns}x{rows} frames"

        checks.append(st.check_opens("camera", f"camera {section.camera_index}", camera_probe))
    reader = build_idcard_reader(settings)
    if reader is None:
        checks.append(st.nothing_to_check("idcard_reader", "no ID-card reader configured"))
    else:

        def idcard_probe() -> str:
            assert reader is not None
            with reader:
                reader.sam_status()
            return "the reader's security module answered its self-check"

        port = section.idcard_port
        checks.append(st.check_opens("idcard_reader", f"ID-card reader {port}", idcard_probe))
    return checks
