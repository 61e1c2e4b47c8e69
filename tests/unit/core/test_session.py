"""The session model without Qt: every state's answer to every event, the idle and countdown
rules, the nurse's precedence, stale answers, and the calls for a nurse."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable

import pytest

from kiosk_app.core import session as session_module
from kiosk_app.core.models import ItemKind, ItemOutcome, ItemState
from kiosk_app.core.session import (
    COUNTDOWN_S,
    Activity,
    ApplyLooks,
    Audit,
    CallNurse,
    Card,
    CardRefused,
    CheckStaffCard,
    ChooseContrast,
    ChooseLanguage,
    CornerTap,
    Effect,
    Event,
    LookupFailed,
    MoreTime,
    NurseDone,
    NurseJobs,
    OpenKeypad,
    PatientLeaves,
    PinAnswered,
    PrinterFault,
    PrintFailed,
    PrintFinished,
    PrintProgress,
    PrintRequested,
    Reset,
    Scan,
    SessionConfig,
    SessionModel,
    SessionState,
    StaffCheck,
    StaffCheckFailed,
    StartLookup,
    StartPrint,
    State,
    Tick,
    Transition,
    VisitFound,
    WipePatientData,
)

CODE = "DEMO0001"
NURSE_CARD = "E1234567"
DELIVERED = (
    ItemOutcome(ItemKind.REPORT, "1.2.3", ItemState.DELIVERED, count=2),
    ItemOutcome(ItemKind.FILM, "1.2.3", ItemState.DELIVERED, count=3),
)
ONE_FAILED = (
    ItemOutcome(ItemKind.REPORT, "1.2.3", ItemState.DELIVERED, count=2),
    ItemOutcome(ItemKind.FILM, "1.2.3", ItemState.FAILED, message_id="printer.jam"),
)


class Clock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def new(**config: object) -> tuple[SessionModel, Clock]:
    clock = Clock()
    return SessionModel(SessionConfig(**config), clock), clock  # type: ignore[arg-type]


def drive(model: SessionModel, target: State) -> SessionModel:
    """``model`` taken the ordinary way to ``target`` (no staff cards configured)."""
    steps: dict[State, list[Callable[[SessionState], Event]]] = {
        State.HOME: [],
        State.TYPING: [lambda s: OpenKeypad()],
        State.IDENTIFYING: [lambda s: Scan(CODE)],
        State.CHOOSING: [lambda s: Scan(CODE), lambda s: VisitFound(s.visit_id)],
        State.PRINTING: [
            lambda s: Scan(CODE),
            lambda s: VisitFound(s.visit_id),
            lambda s: PrintRequested(frozenset({0, 1})),
            lambda s: PrintProgress(s.visit_id, 7, ItemKind.FILM, 0, 3),
        ],
        State.DONE: [],
        State.ERROR: [lambda s: Scan(CODE), lambda s: LookupFailed(s.visit_id, "cloud.down")],
        State.LOGIN: [lambda s: CornerTap()],
        State.MAINTENANCE: [lambda s: CornerTap(), lambda s: PinAnswered(True, "nurse01")],
    }
    steps[State.PAUSED] = [*steps[State.PRINTING], lambda s: PrinterFault(s.visit_id, "jam")]
    steps[State.DONE] = [*steps[State.PRINTING], lambda s: PrintFinished(s.visit_id, DELIVERED)]
    for step in steps[target]:
        model.handle(step(model.state))
    assert model.state.state is target
    return model


def kinds(effects: tuple[Effect, ...]) -> list[type]:
    return [type(effect) for effect in effects]


def current(make: Callable[[int], Event]) -> Callable[[SessionState], Event]:
    """An answer for the visit on screen."""
    return lambda s: make(s.visit_id)


def stale(make: Callable[[int], Event]) -> Callable[[SessionState], Event]:
    """An answer for an earlier visit."""
    return lambda s: make(s.visit_id - 1)


def plain(event: Event) -> Callable[[SessionState], Event]:
    return lambda s: event


H, T, I, C, P, Z, D, E, L, M = (  # noqa: E741 (one letter per state keeps the table legible)
    State.HOME, State.TYPING, State.IDENTIFYING, State.CHOOSING, State.PRINTING,
    State.PAUSED, State.DONE, State.ERROR, State.LOGIN, State.MAINTENANCE,
)  # fmt: skip
WIPE, LOOK, LOOKUP, PRINT = WipePatientData, ApplyLooks, StartLookup, StartPrint

TABLE: list[tuple[State, str, Callable[[SessionState], Event], State, list[type]]] = [
    # home: a code starts a visit; the keypad, the corner, a refused card, the looks
    (H, "scan", plain(Scan(CODE)), I, [LOOKUP]),
    (H, "card", plain(Card("110105194912310021")), I, [LOOKUP]),
    (H, "blank scan", plain(Scan("  \n")), H, []),
    (H, "keypad", plain(OpenKeypad()), T, []),
    (H, "corner", plain(CornerTap()), L, []),
    (H, "card refused", plain(CardRefused("code.unknown_card")), E, []),
    (H, "leave", plain(PatientLeaves()), H, []),
    (H, "language", plain(ChooseLanguage("en")), H, [LOOK]),
    (H, "contrast", plain(ChooseContrast(True)), H, [LOOK]),
    (H, "late answer", stale(VisitFound), H, []),
    (H, "print", plain(PrintRequested(frozenset({0}))), H, []),
    (H, "nurse done", plain(NurseDone()), H, []),
    (H, "PIN after a timeout", plain(PinAnswered(True, "n1")), H, []),
    (H, "more time", plain(MoreTime()), H, []),
    # typing on the keypad
    (T, "code", plain(Scan(CODE)), I, [WIPE, LOOKUP]),
    (T, "cancel", plain(PatientLeaves()), H, [WIPE, LOOK]),
    (T, "corner", plain(CornerTap()), L, [WIPE]),
    (T, "card refused", plain(CardRefused("code.unknown_card")), E, []),
    (T, "keypad again", plain(OpenKeypad()), T, []),
    (T, "language", plain(ChooseLanguage("en")), T, [LOOK]),
    # identifying: only this visit's answer counts
    (I, "found", current(VisitFound), C, []),
    (I, "found, stale", stale(VisitFound), I, []),
    (I, "failed", current(lambda v: LookupFailed(v, "cloud.down")), E, []),
    (I, "failed, stale", stale(lambda v: LookupFailed(v, "cloud.down")), I, []),
    (I, "cancel", plain(PatientLeaves()), H, [WIPE, LOOK]),
    (I, "another code", plain(Scan("DEMO0002")), I, []),
    (I, "card refused", plain(CardRefused("code.unknown_card")), I, []),
    (I, "corner", plain(CornerTap()), L, [WIPE]),
    (I, "keypad", plain(OpenKeypad()), I, []),
    (I, "print progress", current(lambda v: PrintProgress(v, 1, ItemKind.FILM, 1, 2)), I, []),
    # choosing
    (C, "print", plain(PrintRequested(frozenset({0, 2}))), P, [PRINT]),
    (C, "print nothing", plain(PrintRequested(frozenset())), C, []),
    (C, "cancel", plain(PatientLeaves()), H, [WIPE, LOOK]),
    (C, "next patient", plain(Scan("DEMO0002")), I, [WIPE, LOOK, LOOKUP]),
    (C, "card refused", plain(CardRefused("code.unknown_card")), E, [WIPE]),
    (C, "corner", plain(CornerTap()), L, [WIPE]),
    (C, "found again", current(VisitFound), C, []),
    (C, "contrast", plain(ChooseContrast(True)), C, [LOOK]),
    # printing: progress, a fault, the end; the patient's codes wait
    (P, "sheet", current(lambda v: PrintProgress(v, 7, ItemKind.FILM, 1, 3)), P, []),
    (P, "new job", current(lambda v: PrintProgress(v, 8, ItemKind.REPORT, 0, 2)), P, []),
    (P, "fault", current(lambda v: PrinterFault(v, "printer.jam")), Z, [CallNurse]),
    (P, "finished", current(lambda v: PrintFinished(v, DELIVERED)), D, []),
    (P, "finished, one failed", current(lambda v: PrintFinished(v, ONE_FAILED)), D, [CallNurse]),
    (P, "failed", current(lambda v: PrintFailed(v, "printer.offline")), E, []),
    (P, "finished, stale", stale(lambda v: PrintFinished(v, DELIVERED)), P, []),
    (P, "fault, stale", stale(lambda v: PrinterFault(v, "printer.jam")), P, []),
    (P, "leave", plain(PatientLeaves()), P, []),
    (P, "scan", plain(Scan("DEMO0002")), P, []),
    (P, "card refused", plain(CardRefused("code.unknown_card")), P, []),
    (P, "corner", plain(CornerTap()), L, []),
    (P, "language", plain(ChooseLanguage("en")), P, [LOOK]),
    (P, "print again", plain(PrintRequested(frozenset({0}))), P, []),
    # paused for a nurse: the printer printing again, the end, or the patient leaving
    (Z, "prints again", current(lambda v: PrintProgress(v, 7, ItemKind.FILM, 1, 3)), P, []),
    (Z, "no new sheet", current(lambda v: PrintProgress(v, 7, ItemKind.FILM, 0, 3)), Z, []),
    (Z, "another fault", current(lambda v: PrinterFault(v, "printer.door_open")), Z, []),
    (Z, "finished", current(lambda v: PrintFinished(v, ONE_FAILED)), D, []),
    (Z, "failed", current(lambda v: PrintFailed(v, "printer.timeout")), E, []),
    (Z, "leave", plain(PatientLeaves()), H, [WIPE, LOOK]),
    (Z, "corner", plain(CornerTap()), L, []),
    (Z, "scan", plain(Scan("DEMO0002")), Z, []),
    # done and error: home, or the next patient
    (D, "home", plain(PatientLeaves()), H, [WIPE, LOOK]),
    (D, "next patient", plain(Scan("DEMO0002")), I, [WIPE, LOOK, LOOKUP]),
    (D, "card refused", plain(CardRefused("code.unknown_card")), E, []),
    (D, "corner", plain(CornerTap()), L, [WIPE]),
    (D, "late progress", current(lambda v: PrintProgress(v, 7, ItemKind.FILM, 3, 3)), D, []),
    (D, "late fault", current(lambda v: PrinterFault(v, "printer.jam")), D, []),
    (E, "home", plain(PatientLeaves()), H, [WIPE, LOOK]),
    (E, "next patient", plain(Scan("DEMO0002")), I, [WIPE, LOOK, LOOKUP]),
    (E, "corner", plain(CornerTap()), L, [WIPE]),
    (E, "card refused", plain(CardRefused("code.unknown_card")), E, []),
    # the nurses' login
    (L, "PIN right", plain(PinAnswered(True, "nurse01")), M, []),
    (L, "PIN wrong", plain(PinAnswered(False, "nurse01")), L, [Audit]),
    (L, "card", plain(Scan(NURSE_CARD)), L, [CheckStaffCard]),
    (L, "back", plain(NurseDone()), H, [WIPE, LOOK]),
    (L, "corner", plain(CornerTap()), L, []),
    (L, "patient's cancel", plain(PatientLeaves()), L, []),
    (L, "card refused", plain(CardRefused("code.unknown_card")), L, []),
    (L, "language", plain(ChooseLanguage("en")), L, []),
    # maintenance
    (M, "leave", plain(NurseDone()), H, [WIPE, LOOK]),
    (M, "scan", plain(Scan(CODE)), M, []),
    (M, "corner", plain(CornerTap()), M, []),
    (M, "card refused", plain(CardRefused("code.unknown_card")), M, []),
    (M, "PIN", plain(PinAnswered(True, "nurse02")), M, []),
    (M, "keypad", plain(OpenKeypad()), M, []),
]


@pytest.mark.parametrize(
    ("start", "event", "expected", "effects"),
    [pytest.param(s, e, x, f, id=f"{s.value}-{name}") for s, name, e, x, f in TABLE],
)
def test_every_state_answers_every_event(
    start: State,
    event: Callable[[SessionState], Event],
    expected: State,
    effects: list[type],
) -> None:
    model = drive(new()[0], start)
    transition = model.handle(event(model.state))
    assert transition.state.state is expected
    assert kinds(transition.effects) == effects
    assert model.state == transition.state


def test_the_table_covers_every_state() -> None:
    assert {row[0] for row in TABLE} == set(State)
    assert {row[3] for row in TABLE} == set(State)


# ---------------------------------------------------------------------------- what effects say
def test_a_visit_looks_up_its_code_then_prints_what_was_ticked() -> None:
    model, _ = new()
    found = model.handle(Scan(f"  {CODE}\n"))
    visit = found.state.visit_id
    assert found.effects == (StartLookup(CODE, visit),)
    model.handle(VisitFound(visit))
    printing = model.handle(PrintRequested(frozenset({1, 3})))
    assert printing.effects == (StartPrint(visit, frozenset({1, 3})),)


def test_print_progress_arrives_per_sheet_and_is_kept_per_job() -> None:
    model = drive(new()[0], State.PRINTING)
    visit = model.state.visit_id
    model.handle(PrintProgress(visit, 8, ItemKind.REPORT, 0, 2))
    model.handle(PrintProgress(visit, 7, ItemKind.FILM, 2, 3))
    jobs = {(j.job_id, j.kind, j.confirmed, j.units) for j in model.state.jobs}
    assert jobs == {(7, ItemKind.FILM, 2, 3), (8, ItemKind.REPORT, 0, 2)}


def test_done_keeps_each_items_outcome() -> None:
    model = drive(new()[0], State.PRINTING)
    model.handle(PrintFinished(model.state.visit_id, ONE_FAILED))
    assert model.state.outcomes == ONE_FAILED
    assert model.state.delivered == ONE_FAILED[:1]


def test_errors_say_what_went_wrong() -> None:
    model = drive(new()[0], State.IDENTIFYING)
    model.handle(LookupFailed(model.state.visit_id, "cloud.down", "影像云暂时无法连接"))
    assert (model.state.message_id, model.state.text) == ("cloud.down", "影像云暂时无法连接")
    model, _ = new()
    model.handle(CardRefused("code.unknown_card"))
    assert model.state.message_id == "code.unknown_card"


def test_the_patients_code_is_never_in_the_states_text() -> None:
    model, _ = new(staff_cards=True)
    transition = model.handle(Scan("110105194912310021"))
    assert "110105194912310021" not in repr(transition)


# ---------------------------------------------------------------------------------- stale
def test_an_answer_for_a_cancelled_visit_never_shows() -> None:
    model, _ = new()
    model.handle(Scan("DEMO0001"))
    first = model.state.visit_id
    model.handle(PatientLeaves())
    model.handle(Scan("DEMO0002"))
    second = model.state.visit_id
    assert second != first
    assert model.handle(VisitFound(first)).state.state is State.IDENTIFYING
    assert model.handle(LookupFailed(first, "cloud.down")).state.state is State.IDENTIFYING
    assert model.handle(VisitFound(second)).state.state is State.CHOOSING


def test_the_last_patients_print_never_reaches_the_next_patients_screen() -> None:
    model = drive(new()[0], State.PAUSED)
    old = model.state.visit_id
    model.handle(PatientLeaves())  # the job waits for the nurse; the patient goes
    drive(model, State.PRINTING)
    assert model.handle(PrintProgress(old, 7, ItemKind.FILM, 3, 3)).state.state is State.PRINTING
    assert model.handle(PrintFinished(old, DELIVERED)).state.state is State.PRINTING
    assert [(j.job_id, j.confirmed) for j in model.state.jobs] == [(7, 0)]


def test_an_answer_for_a_visit_the_nurse_interrupted_is_dropped() -> None:
    model = drive(new()[0], State.IDENTIFYING)
    visit = model.state.visit_id
    model.handle(CornerTap())
    model.handle(NurseDone())
    assert model.handle(VisitFound(visit)).state.state is State.HOME
    drive(model, State.IDENTIFYING)
    assert model.state.visit_id != visit


# ---------------------------------------------------------------------------------- time
def test_choosing_warns_ten_seconds_before_it_ends_and_then_wipes_the_visit() -> None:
    model, clock = new(idle_timeout_s=60)
    drive(model, State.CHOOSING)
    clock.now += 49.9
    assert model.handle(Tick()).state.state is State.CHOOSING
    assert model.state.seconds_left(clock.now) is None
    clock.now += 0.1
    assert model.state.seconds_left(clock.now) == COUNTDOWN_S == 10
    clock.now += 5.5
    assert model.state.seconds_left(clock.now) == 5
    clock.now += 4.4
    assert model.handle(Tick()).state.state is State.CHOOSING
    clock.now += 0.1
    ended = model.handle(Tick())
    assert ended.state.state is State.HOME
    assert kinds(ended.effects) == [WipePatientData, ApplyLooks]


def test_a_touch_starts_the_wait_again_until_the_warning_shows() -> None:
    model, clock = new(idle_timeout_s=60)
    drive(model, State.CHOOSING)
    clock.now += 30
    model.handle(Activity())
    clock.now += 59
    assert model.handle(Tick()).state.state is State.CHOOSING
    model.handle(Activity())  # the warning shows: a touch elsewhere does not dismiss it
    clock.now += 1
    assert model.handle(Tick()).state.state is State.HOME


def test_more_time_dismisses_the_warning() -> None:
    model, clock = new(idle_timeout_s=60)
    drive(model, State.TYPING)
    clock.now += 55
    assert model.state.seconds_left(clock.now) == 5
    model.handle(MoreTime())
    assert model.state.seconds_left(clock.now) is None
    clock.now += 59
    assert model.handle(Tick()).state.state is State.TYPING
    clock.now += 1
    assert model.handle(Tick()).state.state is State.HOME


@pytest.mark.parametrize("state", [State.DONE, State.ERROR])
def test_done_and_error_count_down_home_whatever_is_touched(state: State) -> None:
    model, clock = new(result_hold_s=15)
    drive(model, state)
    assert model.state.seconds_left(clock.now) == 15
    clock.now += 7.5
    model.handle(Activity())
    model.handle(MoreTime())
    assert model.state.seconds_left(clock.now) == 8
    clock.now += 7.4
    assert model.handle(Tick()).state.state is state
    clock.now += 0.1
    home = model.handle(Tick())
    assert home.state.state is State.HOME and WipePatientData in kinds(home.effects)


@pytest.mark.parametrize("state", [State.IDENTIFYING, State.PRINTING])
def test_the_cloud_and_the_printer_are_never_timed_out_by_idleness(state: State) -> None:
    model, clock = new(idle_timeout_s=60)
    drive(model, state)
    clock.now += 3600
    assert model.handle(Tick()).state.state is state
    assert model.state.seconds_left(clock.now) is None


def test_paused_waits_longer_then_lets_the_screen_go_home() -> None:
    model, clock = new(idle_timeout_s=60, paused_timeout_s=300)
    drive(model, State.PAUSED)
    clock.now += 120
    assert model.handle(Tick()).state.state is State.PAUSED
    clock.now += 170
    assert model.state.seconds_left(clock.now) == 10
    clock.now += 10
    home = model.handle(Tick())
    assert home.state.state is State.HOME
    assert kinds(home.effects) == [WipePatientData, ApplyLooks]


@pytest.mark.parametrize("state", [State.LOGIN, State.MAINTENANCE])
def test_the_nurses_screens_time_out_home(state: State) -> None:
    model, clock = new(idle_timeout_s=60)
    drive(model, state)
    clock.now += 50
    assert model.state.seconds_left(clock.now) == 10
    clock.now += 10
    assert model.handle(Tick()).state.state is State.HOME


def test_home_left_alone_puts_language_and_contrast_back() -> None:
    model, clock = new(idle_timeout_s=60, language="zh_CN", high_contrast=False)
    model.handle(ChooseLanguage("en"))
    model.handle(ChooseContrast(True))
    assert (model.state.language, model.state.high_contrast) == ("en", True)
    clock.now += 30
    model.handle(Activity())
    clock.now += 59
    assert model.handle(Tick()).effects == ()
    assert model.state.seconds_left(clock.now) is None  # nothing to lose: no warning
    clock.now += 1
    reset = model.handle(Tick())
    assert reset.effects == (WipePatientData(), ApplyLooks("zh_CN", False))
    assert (reset.state.language, reset.state.high_contrast) == ("zh_CN", False)
    clock.now += 60
    assert model.handle(Tick()).effects == (WipePatientData(), ApplyLooks("zh_CN", False))


def test_a_tick_before_any_deadline_changes_nothing() -> None:
    model, clock = new()
    drive(model, State.CHOOSING)
    before = model.state
    clock.now += 1
    assert model.handle(Tick()).state == before


def test_the_model_reads_only_the_clock_it_is_given() -> None:
    tree = ast.parse(inspect.getsource(session_module))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    modules = {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not ({"time", "datetime", "PySide6"} & (imported | modules))
    reads = []
    model = SessionModel(SessionConfig(), lambda: reads.append(1) or 5.0)  # type: ignore[func-returns-value]
    model.handle(OpenKeypad())
    assert reads and model.state.deadline == 65.0


# ---------------------------------------------------------------------------------- looks
def test_the_next_patient_starts_in_the_sites_language_and_contrast() -> None:
    model, _ = new(language="zh_CN")
    model.handle(ChooseLanguage("en"))
    model.handle(ChooseContrast(True))
    drive(model, State.CHOOSING)
    assert model.state.language == "en"  # the patient's own choice holds through the visit
    home = model.handle(PatientLeaves())
    assert home.effects == (WipePatientData(), ApplyLooks("zh_CN", False))
    model.handle(ChooseLanguage("en"))
    drive(model, State.DONE)
    next_patient = model.handle(Scan("DEMO0002"))
    assert ApplyLooks("zh_CN", False) in next_patient.effects
    assert next_patient.state.language == "zh_CN"


def test_a_patients_choice_on_the_keypad_holds_for_their_code() -> None:
    model, _ = new()
    model.handle(OpenKeypad())
    model.handle(ChooseLanguage("en"))
    found = model.handle(Scan(CODE))
    assert ApplyLooks not in kinds(found.effects) and found.state.language == "en"


# --------------------------------------------------------------------------- the nurse first
def test_a_staff_card_is_checked_before_the_code_is_looked_up() -> None:
    model, _ = new(staff_cards=True)
    checking = model.handle(Scan(CODE))
    assert checking.state.state is State.IDENTIFYING
    (check,) = checking.effects
    assert isinstance(check, CheckStaffCard) and check.code == CODE and not check.counts
    patient = model.handle(StaffCheck(check.ticket, staff_card=False))
    assert patient.effects == (StartLookup(CODE, model.state.visit_id),)
    assert patient.state.pending_code == ""  # the code is not kept once it is on its way


STAFF_CARD_STATES = [State.HOME, State.TYPING, State.CHOOSING, State.PRINTING, State.PAUSED]
STAFF_CARD_STATES += [State.DONE, State.ERROR, State.IDENTIFYING, State.LOGIN]


@pytest.mark.parametrize("start", STAFF_CARD_STATES)
def test_a_staff_card_opens_maintenance_from_every_state(start: State) -> None:
    model, _ = new(staff_cards=True)
    drive_with_cards(model, start)
    read = model.handle(Card(NURSE_CARD))
    (check,) = [e for e in read.effects if isinstance(e, CheckStaffCard)]
    assert check.counts is (start is State.LOGIN)
    opened = model.handle(StaffCheck(check.ticket, staff_card=True, ok=True, staff="nurse-li"))
    assert opened.state.state is State.MAINTENANCE
    assert (opened.state.staff, opened.state.via) == ("nurse-li", "card")


def drive_with_cards(model: SessionModel, target: State) -> None:
    """``drive`` for a kiosk with staff cards: each code's check answered "a patient's"."""

    def answer_checks(effects: tuple[Effect, ...]) -> None:
        for effect in effects:
            if isinstance(effect, CheckStaffCard):
                answer_checks(model.handle(StaffCheck(effect.ticket, staff_card=False)).effects)

    original = model.handle

    def handle(event: Event) -> Transition:
        transition = original(event)
        answer_checks(transition.effects)
        return transition

    model.handle = handle  # type: ignore[method-assign]
    try:
        drive(model, target)
    finally:
        model.handle = original  # type: ignore[method-assign]


def test_a_staff_card_on_a_locked_gate_shows_the_login_with_the_lockout() -> None:
    model, _ = new(staff_cards=True)
    drive_with_cards(model, State.PRINTING)
    (check,) = model.handle(Card(NURSE_CARD)).effects
    assert isinstance(check, CheckStaffCard)
    locked = model.handle(
        StaffCheck(check.ticket, staff_card=True, ok=False, staff="nurse-li", locked_for=120)
    )
    assert locked.state.state is State.LOGIN
    assert (locked.state.message_id, locked.state.locked_for) == ("mnt.locked", 120)
    assert locked.effects == (Audit("nurse-li", "maintenance.card_locked"),)
    assert locked.state.suspended is not None  # the print goes on behind the login


def test_another_card_on_the_login_screen_is_a_failed_try() -> None:
    model, _ = new(staff_cards=True)
    drive(model, State.LOGIN)
    (check,) = model.handle(Card("110105194912310021")).effects
    assert isinstance(check, CheckStaffCard) and check.counts
    failed = model.handle(StaffCheck(check.ticket, staff_card=False))
    assert failed.state.state is State.LOGIN
    assert failed.effects == (Audit("unknown", "maintenance.card_failed"),)


def test_a_patients_card_while_printing_is_checked_and_otherwise_ignored() -> None:
    model, _ = new(staff_cards=True)
    drive_with_cards(model, State.PRINTING)
    (check,) = model.handle(Card("110105194912310021")).effects
    assert isinstance(check, CheckStaffCard)
    ignored = model.handle(StaffCheck(check.ticket, staff_card=False))
    assert ignored.state.state is State.PRINTING and ignored.effects == ()


def test_without_staff_cards_a_code_while_printing_is_not_even_checked() -> None:
    model = drive(new()[0], State.PRINTING)
    assert model.handle(Scan(NURSE_CARD)).effects == ()


def test_a_staff_card_answer_for_an_older_check_is_dropped() -> None:
    model, _ = new(staff_cards=True)
    (check,) = model.handle(Scan(NURSE_CARD)).effects
    assert isinstance(check, CheckStaffCard)
    model.handle(PatientLeaves())  # cancelled while checking
    late = model.handle(StaffCheck(check.ticket, staff_card=True, ok=True, staff="nurse-li"))
    assert late.state.state is State.HOME
    model.handle(CornerTap())
    assert model.state.state is State.LOGIN
    # a check started before the corner is no try on the login screen
    assert model.handle(StaffCheck(check.ticket, staff_card=False)).effects == ()


def test_a_second_code_while_the_first_is_checked_is_ignored() -> None:
    model, _ = new(staff_cards=True)
    (check,) = model.handle(Scan(CODE)).effects
    assert model.handle(Scan("DEMO0002")).effects == ()
    assert isinstance(check, CheckStaffCard)
    assert model.handle(StaffCheck(check.ticket, staff_card=False)).effects == (
        StartLookup(CODE, model.state.visit_id),
    )


def test_a_failed_staff_card_check_is_an_error_not_a_look_up() -> None:
    model, _ = new(staff_cards=True)
    (check,) = model.handle(Scan(CODE)).effects
    assert isinstance(check, CheckStaffCard)
    assert model.handle(StaffCheckFailed(check.ticket - 1)).state.state is State.IDENTIFYING
    failed = model.handle(StaffCheckFailed(check.ticket))
    assert failed.state.state is State.ERROR and failed.state.message_id == "kiosk.error"
    assert failed.effects == ()


def test_a_staff_card_answer_in_maintenance_changes_nothing() -> None:
    model, _ = new(staff_cards=True)
    drive(model, State.LOGIN)
    (check,) = model.handle(Card(NURSE_CARD)).effects
    assert isinstance(check, CheckStaffCard)
    model.handle(PinAnswered(True, "nurse01"))
    again = model.handle(StaffCheck(check.ticket, staff_card=True, ok=True, staff="nurse-li"))
    assert again.state.state is State.MAINTENANCE and again.state.staff == "nurse01"


@pytest.mark.parametrize("start", sorted(set(State) - {State.LOGIN, State.MAINTENANCE}, key=str))
def test_the_nurses_corner_opens_the_login_from_every_patient_state(start: State) -> None:
    model = drive(new()[0], start)
    login = model.handle(CornerTap())
    assert login.state.state is State.LOGIN
    assert (WipePatientData in kinds(login.effects)) is (
        start not in (State.HOME, State.PRINTING, State.PAUSED)
    )


# ------------------------------------------------------------------- a print kept for the nurse
def test_a_print_goes_on_behind_the_login_and_shows_again() -> None:
    model = drive(new()[0], State.PRINTING)
    visit = model.state.visit_id
    model.handle(CornerTap())
    model.handle(PrintProgress(visit, 7, ItemKind.FILM, 2, 3))
    back = model.handle(NurseDone())
    assert back.state.state is State.PRINTING and back.effects == ()
    assert [(j.job_id, j.confirmed) for j in back.state.jobs] == [(7, 2)]
    assert back.state.deadline is None


def test_a_print_that_ends_while_the_nurse_works_shows_its_result_afterwards() -> None:
    model, clock = new(result_hold_s=15)
    drive(model, State.PRINTING)
    visit = model.state.visit_id
    model.handle(CornerTap())
    model.handle(PinAnswered(True, "nurse01"))
    assert model.handle(PrintFinished(visit, DELIVERED)).state.state is State.MAINTENANCE
    clock.now += 40
    back = model.handle(NurseDone())
    assert back.state.state is State.DONE and back.state.outcomes == DELIVERED
    assert back.state.seconds_left(clock.now) == 15  # counted from the nurse leaving


def test_the_nurse_clears_a_jam_in_maintenance_and_the_patient_sees_printing_again() -> None:
    model = drive(new()[0], State.PAUSED)
    visit = model.state.visit_id
    model.handle(CornerTap())
    model.handle(PinAnswered(True, "nurse01"))
    assert model.state.deadline is None  # not timed out while the job waits for the nurse
    resumed = model.handle(PrintProgress(visit, 7, ItemKind.FILM, 1, 3))
    assert resumed.state.suspended is not None
    assert resumed.state.suspended.state is State.PRINTING
    assert resumed.state.deadline is not None  # the printer prints: the usual timeout again
    assert model.handle(NurseDone()).state.state is State.PRINTING


def test_a_paused_print_shows_again_after_the_nurse_if_it_is_still_paused() -> None:
    model, clock = new(paused_timeout_s=300)
    drive(model, State.PAUSED)
    model.handle(CornerTap())
    back = model.handle(NurseDone())
    assert back.state.state is State.PAUSED and back.state.message_id == "jam"
    assert back.state.deadline == clock.now + 300


def test_a_fault_behind_the_login_is_still_a_call_for_a_nurse() -> None:
    model = drive(new()[0], State.PRINTING)
    visit = model.state.visit_id
    model.handle(CornerTap())
    fault = model.handle(PrinterFault(visit, "printer.media_empty"))
    assert fault.effects == (CallNurse("printer.media_empty"),)
    assert fault.state.suspended is not None and fault.state.suspended.state is State.PAUSED
    assert model.handle(NurseDone()).state.state is State.PAUSED


# ------------------------------------------------------------------------ calling the nurse
def test_a_nurse_is_called_once_per_stop_of_the_printer() -> None:
    model = drive(new()[0], State.PRINTING)
    visit = model.state.visit_id
    calls: list[Effect] = []
    events: list[Event] = [
        PrinterFault(visit, "printer.jam"),
        PrinterFault(visit, "printer.jam"),  # still jammed: no second call
        PrintProgress(visit, 7, ItemKind.FILM, 0, 3),  # no sheet yet: still paused
        PrintProgress(visit, 7, ItemKind.FILM, 1, 3),  # it prints again
        PrinterFault(visit, "printer.media_empty"),  # a new stop: a new call
        PrintFinished(visit, ONE_FAILED),  # the film failed: the nurse was already called
    ]
    for event in events:
        calls += [e for e in model.handle(event).effects if isinstance(e, CallNurse)]
    assert calls == [CallNurse("printer.jam"), CallNurse("printer.media_empty")]
    assert model.state.state is State.DONE and model.state.fault_visit == 0


def test_a_failed_item_without_a_fault_calls_the_nurse() -> None:
    model = drive(new()[0], State.PRINTING)
    done = model.handle(PrintFinished(model.state.visit_id, ONE_FAILED))
    assert done.effects == (CallNurse("printer.jam"),)
    model = drive(new()[0], State.PRINTING)
    assert model.handle(PrintFinished(model.state.visit_id, DELIVERED)).effects == ()


def test_after_the_patient_leaves_a_jam_maintenance_waits_until_that_job_ends() -> None:
    model, clock = new(idle_timeout_s=60)
    drive(model, State.PAUSED)
    visit = model.state.visit_id
    model.handle(PatientLeaves())
    assert model.state.fault_visit == visit  # the job still waits for the nurse
    drive(model, State.MAINTENANCE)
    clock.now += 600
    assert model.handle(Tick()).state.state is State.MAINTENANCE
    ended = model.handle(PrintFinished(visit, ONE_FAILED))
    assert ended.effects == () and ended.state.fault_visit == 0
    clock.now += 60
    assert model.handle(Tick()).state.state is State.HOME


def test_a_fault_for_a_visit_no_longer_printing_calls_nobody() -> None:
    model = drive(new()[0], State.DONE)
    visit = model.state.visit_id
    assert model.handle(PrinterFault(visit, "printer.jam")).effects == ()
    assert model.handle(PrinterFault(visit + 5, "printer.jam")).effects == ()


@pytest.mark.parametrize("start", list(State))
def test_reset_goes_home_from_every_state_and_drops_what_was_running(start: State) -> None:
    model = drive(new()[0], start)
    visit = model.state.visit_id
    home = model.handle(Reset())
    assert home.state.state is State.HOME and home.state.suspended is None
    assert kinds(home.effects) == [WipePatientData, ApplyLooks]
    for late in (VisitFound(visit), PrintFinished(visit, DELIVERED), PrinterFault(visit, "jam")):
        assert model.handle(late).state.state is State.HOME


def test_an_unknown_event_is_refused() -> None:
    model, _ = new()
    with pytest.raises(TypeError):
        model.handle("scan")  # type: ignore[arg-type]


def test_maintenance_waits_while_the_panel_finds_a_job_waiting_for_the_nurse() -> None:
    model, clock = new(idle_timeout_s=60)
    drive(model, State.MAINTENANCE)
    waiting = model.handle(NurseJobs(True))
    assert waiting.state.deadline is None and waiting.effects == ()
    clock.now += 600
    assert model.handle(Tick()).state.state is State.MAINTENANCE
    assert model.handle(Activity()).state.deadline is None  # a touch does not start it again
    cleared = model.handle(NurseJobs(False))  # the jam is cleared: 60 s from now
    assert cleared.state.deadline == clock.now + 60
    clock.now += 59
    assert model.handle(Tick()).state.state is State.MAINTENANCE
    clock.now += 1
    assert model.handle(Tick()).state.state is State.HOME


def test_jobs_waiting_is_forgotten_when_the_nurse_leaves_and_means_nothing_elsewhere() -> None:
    model, clock = new(idle_timeout_s=60)
    drive(model, State.MAINTENANCE)
    model.handle(NurseJobs(True))
    model.handle(NurseDone())
    assert model.state.state is State.HOME and not model.state.nurse_jobs
    drive(model, State.MAINTENANCE)  # the next time, the panel says again what waits
    assert model.state.deadline == clock.now + 60
    model.handle(NurseDone())
    for state in (State.HOME, State.CHOOSING, State.LOGIN):
        drive(model, state)
        before = model.state
        assert model.handle(NurseJobs(True)).state == before
        model.handle(Reset())
