"""The composition root: one place builds everything, from registries keyed by backend name."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from drivers.printer.cups import CupsDocumentPrinter, CupsFilmPrinter
from drivers.printer.fake import FakeDocumentPrinter, FakeFilmPrinter
from kiosk_app import app
from kiosk_app.services.health import Level
from kiosk_app.settings import PrinterSection, ScannerSection, SettingsError, load


def backend_choices(section: type) -> set[str]:
    hints = typing.get_type_hints(section)
    return set(typing.get_args(hints["backend"]))


def test_every_allowed_backend_has_a_registry_entry_and_no_more() -> None:
    assert backend_choices(PrinterSection) == set(app.PRINTER_BACKENDS)
    assert backend_choices(ScannerSection) == set(app.SCANNER_BACKENDS)


def test_printers_come_from_the_registry_for_their_role(tmp_path: Path) -> None:
    env = {"KIOSK_KIOSK__DATA_DIR": str(tmp_path)}
    folders = load(None, demo=True, env=env)
    assert isinstance(app.build_report_printer(folders), FakeDocumentPrinter)
    assert isinstance(app.build_film_printer(folders), FakeFilmPrinter)
    cups = load(None, env=env)
    assert isinstance(app.build_report_printer(cups), CupsDocumentPrinter)
    assert isinstance(app.build_film_printer(cups), CupsFilmPrinter)


def test_a_backend_that_cannot_fill_a_role_is_a_settings_error(tmp_path: Path) -> None:
    settings = load(
        None,
        env={"KIOSK_KIOSK__DATA_DIR": str(tmp_path), "KIOSK_PRINTERS__REPORT__BACKEND": "dicom"},
    )
    with pytest.raises(SettingsError, match=r"printers\.report\.backend: 'dicom' .*cups, folder"):
        app.build_report_printer(settings)


def test_build_wires_everything_once_and_patches_nothing_afterwards(tmp_path: Path) -> None:
    kiosk = app.build(load(None, demo=True, env={"KIOSK_KIOSK__DATA_DIR": str(tmp_path)}))
    try:
        # the services share the printers and the store the root made
        assert kiosk.printing.film_printer is kiosk.film_printer
        assert kiosk.maintenance.printers == {
            "report": kiosk.report_printer,
            "film": kiosk.film_printer,
        }
        assert kiosk.maintenance.store is kiosk.store is kiosk.printing.store
        # a paused job after a restart is recomposed by the same content the visit prints
        assert kiosk.printing.recompose == kiosk.visit.content.recompose
        # the heartbeat carries the monitor's snapshot: not polled yet, so "no data yet"
        beat = kiosk.heartbeat()
        status = typing.cast(dict[str, object], beat["status"])
        assert status["level"] == Level.ORANGE.label
        kiosk.monitor.poll()
        assert kiosk.heartbeat()["status"] == kiosk.monitor.current().to_json()
        # no devices unless the screen asks for them
        assert kiosk.devices == app.Devices()
    finally:
        kiosk.close()
