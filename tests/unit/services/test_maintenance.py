"""The nurse's service: reprints with a reason, film loaded, resume/cancel, all audited."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from drivers.base import FilmSheet
from drivers.film.fake import FakeDicomFilmPrinter
from kiosk_app.core.models import Exam, ItemKind, ItemState, JobState
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.content import FilmOptions, ItemContent
from kiosk_app.services.maintenance import MaintenanceError, MaintenanceService
from kiosk_app.services.policy import Policy
from kiosk_app.services.printing import PrintingService
from kiosk_app.services.visit import VisitService
from kiosk_app.store import Store
from kiosk_app.store.repositories import AuditRepository, LedgerRepository
from tests.unit.fakes import MemorySource, ScriptedPrinter, ct_images, pdf_instance

STUDY = "1.2.826.0.1.3680043.8.498.66"
EXAM = Exam(STUDY, "ACC66", "P66", "TEST", None, ("CT",), "CT")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "k.db")


def audit(store: Store) -> list[tuple[str, str, dict[str, object]]]:
    with store.session() as s:
        return [
            (a.actor, a.action, json.loads(a.detail))
            for a in reversed(AuditRepository(s).recent(100))
        ]


def test_a_reprint_needs_a_nurse_a_reason_and_prints_once_more(store: Store) -> None:
    source = MemorySource([pdf_instance("P66", "ACC66", STUDY), *ct_images("P66", "ACC66", STUDY)])
    paper, film = ScriptedPrinter("Paper"), ScriptedPrinter("Film")
    printing = PrintingService(store, paper, film, poll_interval=0.01)
    catalog = Catalog(source)
    visit = VisitService(
        store=store,
        catalog=catalog,
        policy=Policy(),
        printing=printing,
        content=ItemContent(catalog, FilmOptions(size="8INX10IN", dpi=30)),
        job_timeout=5,
    )
    nurse = MaintenanceService(store, printing, {"film": film})
    with pytest.raises(MaintenanceError, match="never delivered"):
        nurse.authorise_reprint(STUDY, ItemKind.FILM, "nurse01", "smudged")
    assert {i.state for i in visit.print_code("ACC66").items} == {ItemState.DELIVERED}

    with pytest.raises(MaintenanceError, match="reason"):
        nurse.authorise_reprint(STUDY, ItemKind.FILM, "nurse01", " ")
    with pytest.raises(MaintenanceError, match="staff id"):
        nurse.authorise_reprint(STUDY, ItemKind.FILM, "", "smudged film")
    nurse.authorise_reprint(STUDY, ItemKind.FILM, "nurse01", "smudged film")

    again = {i.kind: i.state for i in visit.print_code("ACC66").items}
    assert again == {ItemKind.REPORT: ItemState.SKIPPED, ItemKind.FILM: ItemState.DELIVERED}
    third = {i.kind: i.state for i in visit.print_code("ACC66").items}
    assert third == {ItemKind.REPORT: ItemState.SKIPPED, ItemKind.FILM: ItemState.SKIPPED}
    assert len(film.sent) == 2 and len(paper.sent) == 1
    with store.session() as s:
        ledger = [(e.kind, e.reprint) for e in LedgerRepository(s).all()]
    assert sorted(ledger) == [("film", False), ("film", True), ("report", False)]
    actions = audit(store)
    authorised = [a for a in actions if a[1] == "reprint.authorised"]
    assert authorised[0][0] == "nurse01" and authorised[0][2]["reason"] == "smudged film"
    assert any(a[1] == "reprint.used" for a in actions)


def test_film_loaded_is_recorded_and_audited(store: Store) -> None:
    film = FakeDicomFilmPrinter("DRYFILM")
    printing = PrintingService(store, ScriptedPrinter("Paper"), film)
    nurse = MaintenanceService(store, printing, {"film": film})
    supply = nurse.record_loaded("DRYFILM", "14INX17IN", 100, "nurse02")
    assert (supply.remaining, supply.loaded, supply.updated_by) == (100, 100, "nurse02")
    with pytest.raises(MaintenanceError):
        nurse.record_loaded("DRYFILM", "14INX17IN", -1, "nurse02")
    sheet = FilmSheet(np.zeros((4, 4), np.uint8), "14INX17IN", 1)
    job = printing.submit_film(EXAM, [sheet, sheet]).job_id
    printing.wait([job], 1)
    assert [(s.media, s.remaining) for s in nurse.supplies()] == [("14INX17IN", 98)]
    assert ("nurse02", "supply.loaded", {"count": 100}) in audit(store)


def test_resume_and_cancel_are_done_by_a_named_nurse(store: Store) -> None:
    film = FakeDicomFilmPrinter()
    film.jam_after = 1
    printing = PrintingService(store, ScriptedPrinter("Paper"), film)
    nurse = MaintenanceService(store, printing, {"film": film})
    sheet = FilmSheet(np.zeros((4, 4), np.uint8), "14INX17IN", 1)
    job = printing.submit_film(EXAM, [sheet, sheet]).job_id
    printing.check(job)
    (waiting,) = nurse.waiting_jobs()
    assert (waiting.job_id, waiting.confirmed, waiting.units) == (job, 1, 2)
    assert waiting.reason == "FILM JAM" and waiting.attention
    (condition,) = nurse.printer_conditions()["film"]
    assert condition.code == "media-jam"

    film.clear()
    nurse.resume(job, "nurse03")
    assert printing.check(job).state is JobState.COMPLETED
    assert nurse.waiting_jobs() == []
    with pytest.raises(MaintenanceError):
        nurse.resume(job, "nurse03")
    assert any(a[:2] == ("nurse03", "job.resumed") for a in audit(store))

    other = printing.submit_film(EXAM, [sheet]).job_id
    assert nurse.cancel(other, "nurse03").state in (JobState.CANCELED, JobState.COMPLETED)
