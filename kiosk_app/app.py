"""Composition root: settings -> store -> drivers -> services. The only place naming backends."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drivers.base import DocumentPrinter, FilmPrinter
from kiosk_app import logs
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.health import HealthService
from kiosk_app.services.policy import Policy
from kiosk_app.services.printing import PrintingService
from kiosk_app.services.visit import FilmOptions, VisitService
from kiosk_app.settings import PrinterSection, Settings
from kiosk_app.sources.base import StudySource
from kiosk_app.sources.dicomweb import DicomWebSource
from kiosk_app.sources.local import LocalArchiveSource
from kiosk_app.store import Store

log = logging.getLogger(__name__)


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

    def close(self) -> None:
        self.store.close()


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
        connect_timeout=cloud.connect_timeout,
        read_timeout=cloud.read_timeout,
    )


def _cups_server(settings: Settings) -> str | None:
    return settings.printers.cups_server or None


def build_report_printer(settings: Settings) -> DocumentPrinter:
    section = settings.printers.report
    if section.backend == "folder":
        from drivers.printer.fake import FakeDocumentPrinter

        return FakeDocumentPrinter(_output(settings, section))
    from drivers.printer.cups import CupsDocumentPrinter

    return CupsDocumentPrinter(section.queue, server=_cups_server(settings))


def build_film_printer(settings: Settings) -> FilmPrinter:
    section = settings.printers.film
    if section.backend == "folder":
        from drivers.printer.fake import FakeFilmPrinter

        return FakeFilmPrinter(_output(settings, section))
    from drivers.printer.cups import CupsFilmPrinter

    return CupsFilmPrinter(section.queue, server=_cups_server(settings))


def _output(settings: Settings, section: PrinterSection) -> str:
    folder = settings.output_dir(section)
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def build(settings: Settings, *, console_log: bool = False) -> Kiosk:
    """Wire the kiosk. Opens (and migrates) the database; talks to no device yet."""
    logs.configure(settings.kiosk.log_level, settings.log_dir, console=console_log)
    store = Store.open(settings.database_path)
    source = build_source(settings)
    report_printer = build_report_printer(settings)
    film_printer = build_film_printer(settings)
    printing = PrintingService(
        store, report_printer, film_printer, poll_interval=settings.printing.poll_interval
    )
    catalog = Catalog(
        source,
        pdf_reports_final=settings.policy.pdf_reports_final,
        max_parallel=settings.cloud.max_parallel,
    )
    visit = VisitService(
        store=store,
        catalog=catalog,
        policy=Policy(print_once=settings.policy.print_once),
        printing=printing,
        film_options=FilmOptions(
            size=settings.film.size,
            dpi=settings.film.dpi,
        ),
        job_timeout=settings.printing.job_timeout,
    )
    health = HealthService(
        kiosk_id=settings.kiosk.id,
        printers={"report": report_printer, "film": film_printer},
        source=source,
        store=store,
    )
    return Kiosk(settings, store, source, report_printer, film_printer, printing, visit, health)
