"""Which exams a visit offers: a person's recent exams ticked, older ones unticked, an exam slip
only its exam (kiosk_app/services/offer.py, and through VisitService and ``kiosk print``)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk_app.core.models import Credential, CredentialKind, Exam, ItemKind, ItemState
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.content import FilmOptions, ItemContent
from kiosk_app.services.offer import offer
from kiosk_app.services.policy import Policy
from kiosk_app.services.printing import PrintingService
from kiosk_app.services.visit import VisitService
from kiosk_app.settings import DEMO_ARCHIVE
from kiosk_app.sources.local import LocalArchiveSource
from kiosk_app.store import Store
from tests.unit.fakes import MemorySource, ScriptedPrinter, ct_images, pdf_instance

TODAY = date(2026, 12, 3)
ID_CARD = Credential(CredentialKind.NATIONAL_ID, "110101199003071233")
#: the demo archive's patient 1: DEMO0001 (CT, 2024-05-20) and DEMO0004 (MR, 2023-11-02)
DEMO_ID_NUMBER = "110101196803150315"


def _exam(uid: str, day: date | None, accession: str = "") -> Exam:
    return Exam(uid, accession or f"ACC{uid}", "P1", "", day, ("CT",), "")


def _uids(exams: tuple[Exam, ...]) -> list[str]:
    return [e.study_uid for e in exams]


def test_a_persons_exams_of_the_last_days_are_ticked_older_ones_listed_unticked() -> None:
    exams = [
        _exam("1", TODAY),  # today
        _exam("2", TODAY - timedelta(days=30)),  # the last day that is still recent
        _exam("3", TODAY - timedelta(days=31)),  # a day older: not
        _exam("4", date(2016, 12, 3)),  # ten years ago
    ]
    chosen = offer(ID_CARD, exams, today=TODAY, recent_days=30)
    assert _uids(chosen.ticked) == ["1", "2"]
    assert _uids(chosen.older) == ["3", "4"]
    # the same exams a week later: the boundary moved with the date, nothing else did
    later = offer(ID_CARD, exams, today=TODAY + timedelta(days=7), recent_days=30)
    assert _uids(later.ticked) == ["1"] and _uids(later.older) == ["2", "3", "4"]


@pytest.mark.parametrize(
    "kind",
    [
        CredentialKind.NATIONAL_ID,
        CredentialKind.HOSPITAL_CARD,
        CredentialKind.PATIENT_ID,
        CredentialKind.EHEALTH_CARD,
        CredentialKind.INSURANCE_VOUCHER,
    ],
)
def test_every_credential_naming_a_person_follows_the_rule(kind: CredentialKind) -> None:
    exams = [_exam("new", TODAY - timedelta(days=2)), _exam("old", TODAY - timedelta(days=400))]
    chosen = offer(Credential(kind, "X"), exams, today=TODAY, recent_days=30)
    assert _uids(chosen.ticked) == ["new"] and _uids(chosen.older) == ["old"]


def test_an_exam_without_a_study_date_is_listed_but_not_ticked() -> None:
    chosen = offer(ID_CARD, [_exam("undated", None)], today=TODAY, recent_days=30)
    assert chosen.ticked == () and _uids(chosen.older) == ["undated"]


def test_a_study_date_after_today_counts_as_recent() -> None:
    chosen = offer(ID_CARD, [_exam("ahead", TODAY + timedelta(days=1))], today=TODAY, recent_days=0)
    assert _uids(chosen.ticked) == ["ahead"]


def test_zero_recent_days_ticks_todays_exams_only() -> None:
    exams = [_exam("today", TODAY), _exam("yesterday", TODAY - timedelta(days=1))]
    chosen = offer(ID_CARD, exams, today=TODAY, recent_days=0)
    assert _uids(chosen.ticked) == ["today"] and _uids(chosen.older) == ["yesterday"]
    with pytest.raises(ValueError):
        offer(ID_CARD, exams, today=TODAY, recent_days=-1)


def test_an_exam_slip_offers_only_its_exam_ticked_however_old() -> None:
    exams = [_exam("slip", date(2019, 1, 2), "ACC7"), _exam("other", TODAY, "ACC8")]
    chosen = offer(
        Credential(CredentialKind.ACCESSION, "acc7".upper()), exams, today=TODAY, recent_days=30
    )
    assert _uids(chosen.ticked) == ["slip"] and chosen.older == ()


# --------------------------------------------------------------------------- through the visit


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "k.db")


def _visit(store: Store, source: object, today: date) -> tuple[VisitService, ScriptedPrinter]:
    paper, film = ScriptedPrinter("Paper"), ScriptedPrinter("Film")
    printing = PrintingService(store, paper, film, poll_interval=0.01)
    catalog = Catalog(source)  # type: ignore[arg-type]
    visit = VisitService(
        store=store,
        catalog=catalog,
        policy=Policy(print_once=True),
        printing=printing,
        content=ItemContent(catalog, FilmOptions(size="8INX10IN", dpi=20)),
        job_timeout=5,
        recent_days=30,
        today=lambda: today,
    )
    return visit, paper


def test_the_visit_plans_older_exams_unticked_and_does_not_count_them(store: Store) -> None:
    visit, _paper = _visit(store, LocalArchiveSource(DEMO_ARCHIVE), date(2024, 6, 1))
    credential, exams = visit.find(DEMO_ID_NUMBER)
    planned = visit.plan(exams, count=True, credential=credential)
    by_item = {(p.exam.accession_number, p.kind): p for p in planned}
    assert set(by_item) == {(acc, kind) for acc in ("DEMO0001", "DEMO0004") for kind in ItemKind}
    for kind in ItemKind:
        recent, older = by_item[("DEMO0001", kind)], by_item[("DEMO0004", kind)]
        assert recent.ticked and recent.count is not None and recent.count >= 1
        # listed (still printable if chosen), not ticked, and nothing fetched to count it
        assert not older.ticked and older.decision.printable and older.count is None
    # a nurse's list (no credential) keeps every exam ticked
    assert all(p.ticked for p in visit.plan(exams))


def test_kiosk_print_for_an_id_number_prints_only_the_recent_exam(store: Store) -> None:
    visit, paper = _visit(store, LocalArchiveSource(DEMO_ARCHIVE), date(2024, 6, 1))
    summary = visit.print_code(DEMO_ID_NUMBER)
    assert len(paper.sent) == 1  # one report: the recent CT's
    delivered = [i for i in summary.items if i.state is ItemState.DELIVERED]
    skipped = [i for i in summary.items if i.state is ItemState.SKIPPED]
    assert len(delivered) == 2 and len(skipped) == 2 and len(summary.items) == 4
    assert {i.study_uid for i in delivered}.isdisjoint({i.study_uid for i in skipped})
    assert {i.message_id for i in skipped} == {"item.not_recent"}
    assert "30 days" in skipped[0].reason
    # the exam slip of the older exam prints it: the patient came for that one
    again = visit.print_code("DEMO0004")
    assert {i.state for i in again.items} == {ItemState.DELIVERED}
    assert {i.study_uid for i in again.items} == {skipped[0].study_uid}


class _NearMatches(MemorySource):
    """A source whose accession search also answers other studies of the patient (a wildcard
    or prefix match, as some archives do)."""

    def find_studies(
        self, *, accession: str | None = None, patient_id: str | None = None
    ) -> list[Exam]:
        if accession:
            patient_id = next(
                ds.PatientID for ds in self.datasets if ds.AccessionNumber == accession
            )
        return super().find_studies(patient_id=patient_id)


def test_an_exam_slip_visit_offers_only_that_exam(store: Store) -> None:
    source = _NearMatches(
        [
            pdf_instance("P1", "ACC1", "1.2.3.1"),
            *ct_images("P1", "ACC1", "1.2.3.1"),
            pdf_instance("P1", "ACC12", "1.2.3.2"),
            *ct_images("P1", "ACC12", "1.2.3.2"),
        ]
    )
    visit, paper = _visit(store, source, TODAY)
    credential, exams = visit.find("ACC1")
    assert [e.study_uid for e in exams] == ["1.2.3.1"]
    planned = visit.plan(exams, credential=credential)
    assert {p.exam.study_uid for p in planned} == {"1.2.3.1"} and all(p.ticked for p in planned)
    summary = visit.print_code("ACC1")
    assert {i.study_uid for i in summary.items} == {"1.2.3.1"}
    assert {i.state for i in summary.items} == {ItemState.DELIVERED} and len(paper.sent) == 1
