"""One patient's visit, and the nurses' maintenance, as a state machine without Qt.

The window feeds it typed events (a code scanned, a card read, the cloud's answer, a sheet the
printer confirmed, a printer fault, a tick of the clock, a staff card, the nurses' corner, ...)
and renders the :class:`SessionState` it gets back; the :data:`Effect` values that come with it
are the work to do (look a code up, print, wipe the last patient's data, put language and
contrast back, call a nurse). The model never reads the time itself: every deadline comes from
the clock it is given, and only :class:`Tick` makes a deadline pass.

The rules, in one place:

- **States.** home → (typing on the keypad) → identifying (the staff-card check, then the
  look-up) → choosing (the exam list) → printing → done; an error from any step shows the error
  state. A printer fault while printing turns printing into *paused*: a nurse is called, and
  the patient may leave (the job waits for the nurse). The printer printing again (a sheet
  confirmed) turns it back into printing; the print finishing (or failing) ends it.
- **Idle.** Choosing, typing, paused, the login and maintenance end after a time without a touch
  (:attr:`SessionConfig.idle_timeout_s`; paused: ``paused_timeout_s``), announced
  :data:`COUNTDOWN_S` seconds before; "more time" starts the wait again. Home, left alone, puts
  language and contrast back. Identifying and printing never time out: the cloud or the printer
  is working for this patient. Done and error show a countdown and return home at its end.
  Maintenance does not time out while a printer fault waits for the nurse: this visit's, or
  any job the panel finds stopped on a printer's condition (:class:`NurseJobs`).
- **The nurse first.** A staff card (its check answered) opens maintenance from every state,
  printing and paused included; a locked gate shows the login with the lockout. The nurses'
  corner opens the login from every state. A print in progress is kept (suspended) while the
  nurse works, and shown again when the nurse leaves; any other visit is wiped.
- **Stale answers.** Each visit has an id; a look-up answer, print progress or outcome for
  another visit (cancelled, timed out, replaced by the next patient) changes nothing on screen.
  A staff-card answer counts only for the newest check.
- **Home.** Arriving home wipes every trace of the visit and puts language and contrast back to
  the site's defaults.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kiosk_app.core.models import ItemKind, ItemOutcome, ItemState

#: how long "are you still there?" is shown before an idle visit ends (UI_GUIDE: 10 s)
COUNTDOWN_S = 10.0


class State(enum.Enum):
    HOME = "home"
    TYPING = "typing"
    """Home, with the on-screen keypad open."""
    IDENTIFYING = "identifying"
    """A code is being checked (staff card) and looked up."""
    CHOOSING = "choosing"
    """The exam list: what may print, ticked; the patient confirms."""
    PRINTING = "printing"
    PAUSED = "paused"
    """A printer stopped for a person (jam, out of film, door open): a nurse is called."""
    DONE = "done"
    ERROR = "error"
    LOGIN = "login"
    """The nurses' login (PIN or staff card)."""
    MAINTENANCE = "maintenance"


#: the states a patient sees (the nurses' are LOGIN and MAINTENANCE)
PATIENT_STATES = frozenset(State) - {State.LOGIN, State.MAINTENANCE}
#: the states of a print that goes on while a nurse works, and is shown again afterwards
_PRINT_STATES = frozenset({State.PRINTING, State.PAUSED})


@dataclass(frozen=True)
class SessionConfig:
    idle_timeout_s: float = 60.0
    """No touch for this long ends a visit (choosing, typing), the login and maintenance."""
    result_hold_s: float = 15.0
    """Done and error return home after this long."""
    paused_timeout_s: float = 300.0
    """A paused print's screen returns home after this long without a touch (the job waits for
    the nurse; the patient has most likely gone)."""
    staff_cards: bool = False
    """Staff cards are configured: every code is checked against them before anything else."""
    language: str = "zh_CN"
    """The site's language, which every patient starts in."""
    high_contrast: bool = False
    """The site's contrast, which every patient starts in."""


# ---------------------------------------------------------------------------------- events
@dataclass(frozen=True)
class Scan:
    """A code read by the scanner, typed on home, or entered on the keypad."""

    code: str = field(repr=False)


@dataclass(frozen=True)
class Card:
    """An ID card's number read by the card reader."""

    number: str = field(repr=False)


@dataclass(frozen=True)
class CardRefused:
    """The card reader could not use a card (message id and the patient's words)."""

    message_id: str
    text: str = ""


@dataclass(frozen=True)
class StaffCheck:
    """The answer to :class:`CheckStaffCard` number ``ticket``."""

    ticket: int
    staff_card: bool
    """The code is a staff card's."""
    ok: bool = False
    """It opens maintenance now (False with ``staff_card``: the gate is locked)."""
    staff: str = ""
    locked_for: int = 0


@dataclass(frozen=True)
class StaffCheckFailed:
    """The staff-card check of ``ticket`` raised: the code is not looked up."""

    ticket: int


@dataclass(frozen=True)
class VisitFound:
    """The look-up of ``visit_id`` found the patient's exams."""

    visit_id: int


@dataclass(frozen=True)
class LookupFailed:
    visit_id: int
    message_id: str
    text: str = ""


@dataclass(frozen=True)
class PrintRequested:
    """The patient confirmed the ticked items (their indices in the visit's plan)."""

    items: frozenset[int]


@dataclass(frozen=True)
class PrintProgress:
    """The printer confirmed ``confirmed`` of ``units`` sheets (pages) of one job; a job just
    submitted arrives with 0."""

    visit_id: int
    job_id: int
    kind: ItemKind
    confirmed: int
    units: int


@dataclass(frozen=True)
class PrinterFault:
    """A printer stopped ``visit_id``'s job for a person (``message_id`` says why)."""

    visit_id: int
    message_id: str


@dataclass(frozen=True)
class PrintFinished:
    visit_id: int
    outcomes: tuple[ItemOutcome, ...]


@dataclass(frozen=True)
class PrintFailed:
    """The print could not run at all (the visit service raised)."""

    visit_id: int
    message_id: str
    text: str = ""


@dataclass(frozen=True)
class Tick:
    """The clock moved: deadlines are looked at."""


@dataclass(frozen=True)
class Activity:
    """A touch or a key press anywhere."""


@dataclass(frozen=True)
class MoreTime:
    """The patient (or nurse) answered "are you still there?"."""


@dataclass(frozen=True)
class OpenKeypad:
    pass


@dataclass(frozen=True)
class PatientLeaves:
    """Cancel, back, the home button, or "leave" on the paused screen."""


@dataclass(frozen=True)
class CornerTap:
    """The nurses' corner was held."""


@dataclass(frozen=True)
class PinAnswered:
    ok: bool
    staff: str = ""


@dataclass(frozen=True)
class NurseDone:
    """The nurse leaves the login or maintenance."""


@dataclass(frozen=True)
class NurseJobs:
    """What the maintenance panel found: ``waiting``, a job stopped on a printer's condition
    waits for the nurse (a jam being cleared), so maintenance does not time out meanwhile."""

    waiting: bool


@dataclass(frozen=True)
class Reset:
    """Home now, from whatever state: the visit and any print kept for the nurse dropped (the
    window's ``go_home``; its answers are stale from here on)."""


@dataclass(frozen=True)
class ChooseLanguage:
    """The patient's language button (the window says which language it switches to)."""

    language: str


@dataclass(frozen=True)
class ChooseContrast:
    """The patient's contrast button."""

    high_contrast: bool


Event = (
    Scan | Card | CardRefused | StaffCheck | StaffCheckFailed | VisitFound | LookupFailed
    | PrintRequested | PrintProgress | PrinterFault | PrintFinished | PrintFailed | Tick
    | Activity | MoreTime | OpenKeypad | PatientLeaves | CornerTap | PinAnswered | NurseDone
    | NurseJobs | Reset | ChooseLanguage | ChooseContrast
)  # fmt: skip


# --------------------------------------------------------------------------------- effects
@dataclass(frozen=True)
class CheckStaffCard:
    """Check ``code`` against the staff cards; answer with :class:`StaffCheck` (``ticket``).
    ``counts``: a code that is no staff card is a failed try (the login screen)."""

    code: str = field(repr=False)
    ticket: int
    counts: bool = False


@dataclass(frozen=True)
class StartLookup:
    code: str = field(repr=False)
    visit_id: int


@dataclass(frozen=True)
class StartPrint:
    visit_id: int
    items: frozenset[int]


@dataclass(frozen=True)
class WipePatientData:
    """Forget the visit: screens cleared, the found exams and any film composed ahead dropped."""


@dataclass(frozen=True)
class ApplyLooks:
    """Show this language and contrast (said whenever a patient's choice may have to go: the
    window applies it only where it differs from what shows)."""

    language: str
    high_contrast: bool


@dataclass(frozen=True)
class CallNurse:
    """Ask for a nurse: audibly at the kiosk and on the centre's status."""

    message_id: str


@dataclass(frozen=True)
class Audit:
    staff: str
    action: str


Effect = (
    CheckStaffCard | StartLookup | StartPrint | WipePatientData | ApplyLooks | CallNurse | Audit
)


# ----------------------------------------------------------------------------------- state
@dataclass(frozen=True)
class JobProgress:
    job_id: int
    kind: ItemKind
    confirmed: int
    units: int


@dataclass(frozen=True)
class SessionState:
    """What the window shows. Nothing here outlives the visit but the looks and the counters."""

    state: State = State.HOME
    visit_id: int = 0
    """The visit on screen (0: none); answers for any other are stale."""
    ticket: int = 0
    """The newest staff-card check; answers to older ones are dropped."""
    pending_code: str = field(default="", repr=False)
    """The code whose staff-card check runs, looked up once it says "not a staff card"."""
    deadline: float | None = None
    """When the current state ends by itself (idle, countdown); None: it does not."""
    warn_from: float | None = None
    """From when "are you still there?" shows (idle states); None: no such warning."""
    jobs: tuple[JobProgress, ...] = ()
    outcomes: tuple[ItemOutcome, ...] = ()
    message_id: str = ""
    """Error: what went wrong; paused: the printer's condition; login: a lockout message."""
    text: str = field(default="", repr=False)
    locked_for: int = 0
    staff: str = ""
    """The nurse in maintenance (for the audit log)."""
    via: str = ""
    """How the nurse came in: ``pin`` or ``card``."""
    suspended: SessionState | None = None
    """A print going on while a nurse works; shown again when the nurse leaves."""
    fault_visit: int = 0
    """The visit whose job waits for a nurse (0: none): maintenance does not time out."""
    nurse_jobs: bool = False
    """In maintenance: a job stopped on a printer's condition waits for the nurse (any visit's,
    this kiosk's earlier ones too): maintenance does not time out."""
    language: str = "zh_CN"
    high_contrast: bool = False

    def seconds_left(self, now: float) -> int | None:
        """The countdown to show (done, error, "are you still there?"), or None."""
        if self.deadline is None:
            return None
        counting = self.state in (State.DONE, State.ERROR)
        if not counting and (self.warn_from is None or now < self.warn_from):
            return None
        return max(0, math.ceil(self.deadline - now))

    @property
    def delivered(self) -> tuple[ItemOutcome, ...]:
        return tuple(o for o in self.outcomes if o.state is ItemState.DELIVERED)


@dataclass(frozen=True)
class Transition:
    state: SessionState
    effects: tuple[Effect, ...] = ()


class SessionModel:
    """The session now (:attr:`state`), moved on by :meth:`handle`. ``clock`` gives seconds
    (``time.monotonic`` on a kiosk; any function in tests)."""

    def __init__(self, config: SessionConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self.state = self._idle_home(
            SessionState(language=config.language, high_contrast=config.high_contrast)
        )

    def handle(self, event: Event) -> Transition:
        transition = self._handle(self.state, event)
        self.state = transition.state
        return transition

    # ------------------------------------------------------------------------ dispatch
    def _handle(self, s: SessionState, event: Event) -> Transition:
        match event:
            case Scan(code) | Card(number=code):
                return self._code(s, code)
            case StaffCheck():
                return self._staff_check(s, event)
            case StaffCheckFailed(ticket):
                if ticket == s.ticket and s.state is State.IDENTIFYING:
                    return self._error(s, "kiosk.error", "")
                return Transition(s)
            case CardRefused(message_id, text):
                if s.state in (State.HOME, State.TYPING, State.CHOOSING, State.DONE, State.ERROR):
                    return self._error(s, message_id, text)
                return Transition(s)  # a visit or a nurse is busy: a card put down is ignored
            case VisitFound(visit_id):
                if s.state is State.IDENTIFYING and visit_id == s.visit_id:
                    return Transition(self._idle_state(s, State.CHOOSING))
                return Transition(s)
            case LookupFailed(visit_id, message_id, text):
                if s.state is State.IDENTIFYING and visit_id == s.visit_id:
                    return self._error(s, message_id, text)
                return Transition(s)
            case PrintRequested(items):
                if s.state is State.CHOOSING and items:
                    printing = replace(s, state=State.PRINTING, deadline=None, warn_from=None)
                    return Transition(printing, (StartPrint(s.visit_id, items),))
                return Transition(s)
            case PrintProgress() | PrinterFault() | PrintFinished() | PrintFailed():
                return self._print_event(s, event)
            case Tick():
                return self._tick(s)
            case NurseJobs(waiting):
                if s.state is not State.MAINTENANCE or s.nurse_jobs == waiting:
                    return Transition(s)
                # waiting: the idle deadline goes; none left: 60 s from now, as after a touch
                return Transition(self._rearm(replace(s, nurse_jobs=waiting)))
            case Activity():
                return Transition(self._touched(s))
            case MoreTime():
                if s.warn_from is not None and s.deadline is not None:
                    return Transition(self._rearm(s))
                return Transition(s)  # done and error count down whatever is touched
            case OpenKeypad():
                if s.state is State.HOME:
                    return Transition(self._idle_state(s, State.TYPING))
                return Transition(s)
            case PatientLeaves():
                if s.state in PATIENT_STATES - {State.HOME, State.PRINTING}:
                    return self._home(s)
                return Transition(s)  # printing: the patient waits for the output
            case CornerTap():
                if s.state in (State.LOGIN, State.MAINTENANCE):
                    return Transition(s)
                return self._login(s, "", 0)
            case PinAnswered(ok, staff):
                if s.state is not State.LOGIN:
                    return Transition(s)  # answered after the login timed out: stay
                if ok:
                    return self._maintenance(s, staff, "pin")
                return Transition(s, (Audit(staff or "unknown", "maintenance.pin_failed"),))
            case NurseDone():
                if s.state in (State.LOGIN, State.MAINTENANCE):
                    return self._leave_maintenance(s)
                return Transition(s)
            case Reset():
                return self._home(replace(s, suspended=None, visit_id=s.visit_id + 1))
            case ChooseLanguage(language):
                if s.state in PATIENT_STATES:
                    s = replace(s, language=language)
                    return Transition(s, (ApplyLooks(s.language, s.high_contrast),))
                return Transition(s)
            case ChooseContrast(on):
                if s.state in PATIENT_STATES:
                    s = replace(s, high_contrast=on)
                    return Transition(s, (ApplyLooks(s.language, s.high_contrast),))
                return Transition(s)
        raise TypeError(f"not a session event: {event!r}")

    # ------------------------------------------------------------------------ codes
    def _code(self, s: SessionState, code: str) -> Transition:
        code = code.strip()
        if not code:
            return Transition(s)
        if s.state is State.LOGIN:
            # a staff card, or a failed try towards the lockout
            ticket = s.ticket + 1
            return Transition(
                replace(s, ticket=ticket), (CheckStaffCard(code, ticket, counts=True),)
            )
        if s.state is State.IDENTIFYING and s.pending_code:
            return Transition(s)  # its staff-card check runs (milliseconds): one code at a time
        if s.state in (State.IDENTIFYING, State.PRINTING, State.PAUSED):
            # Busy for this patient: a patient's code is not looked up, but a staff card still
            # opens maintenance.
            if not self.config.staff_cards:
                return Transition(s)
            ticket = s.ticket + 1
            return Transition(replace(s, ticket=ticket), (CheckStaffCard(code, ticket),))
        if s.state is State.MAINTENANCE:
            return Transition(s)
        # home, typing, or the previous patient's list or result: a new visit
        effects: list[Effect] = []
        if s.state is not State.HOME:
            effects.append(WipePatientData())
        if s.state not in (State.HOME, State.TYPING):
            effects += self._default_looks(s)  # the next patient
            s = replace(s, language=self.config.language, high_contrast=self.config.high_contrast)
        visit_id = s.visit_id + 1
        s = self._fresh(s, State.IDENTIFYING, visit_id=visit_id)
        if self.config.staff_cards:
            ticket = s.ticket + 1
            s = replace(s, ticket=ticket, pending_code=code)
            effects.append(CheckStaffCard(code, ticket))
        else:
            effects.append(StartLookup(code, visit_id))
        return Transition(s, tuple(effects))

    def _staff_check(self, s: SessionState, answer: StaffCheck) -> Transition:
        if answer.ticket != s.ticket:
            return Transition(s)  # an older check (or one dropped on the way home)
        if answer.staff_card:
            if s.state is State.MAINTENANCE:
                return Transition(s)
            if answer.ok:
                return self._maintenance(s, answer.staff, "card")
            audit = Audit(answer.staff, "maintenance.card_locked")
            login = self._login(s, "mnt.locked", answer.locked_for)
            return Transition(login.state, (*login.effects, audit))
        if s.state is State.LOGIN:
            return Transition(s, (Audit("unknown", "maintenance.card_failed"),))
        if s.state is State.IDENTIFYING and s.pending_code:
            code = s.pending_code
            return Transition(replace(s, pending_code=""), (StartLookup(code, s.visit_id),))
        return Transition(s)  # a patient's card while printing: ignored

    # ------------------------------------------------------------------------ printing
    def _print_event(
        self, s: SessionState, event: PrintProgress | PrinterFault | PrintFinished | PrintFailed
    ) -> Transition:
        effects: list[Effect] = []
        nurse_called = s.fault_visit == event.visit_id
        ended = isinstance(event, PrintFinished | PrintFailed)
        if nurse_called and (ended or self._prints_again(s, event)):
            s = self._fault_over(s)  # the printer prints again, or the job ended
        printing = self._visit_printing(s, event.visit_id)
        if isinstance(event, PrinterFault) and not nurse_called and printing:
            s = replace(s, fault_visit=event.visit_id)
            if s.state is State.MAINTENANCE:
                s = self._rearm(s)  # the nurse is not timed out while the job waits
            effects.append(CallNurse(event.message_id))
        inner: Transition | None = None
        if s.suspended is not None and s.suspended.visit_id == event.visit_id:
            inner = self._print_step(s.suspended, event, held=True)
            s = replace(s, suspended=inner.state)
        elif s.state in _PRINT_STATES and s.visit_id == event.visit_id:
            inner = self._print_step(s, event, held=False)
            s = inner.state
        if inner is not None:
            # a nurse already called for this job is not called again when it ends
            effects += [e for e in inner.effects if not (nurse_called and isinstance(e, CallNurse))]
        return Transition(s, tuple(effects))  # (no inner step: another visit's, stale)

    def _fault_over(self, s: SessionState) -> SessionState:
        s = replace(s, fault_visit=0)
        return self._rearm(s) if s.state is State.MAINTENANCE else s

    @staticmethod
    def _visit_printing(s: SessionState, visit_id: int) -> bool:
        inner = s.suspended if s.suspended is not None else s
        return inner.state in _PRINT_STATES and inner.visit_id == visit_id

    @staticmethod
    def _prints_again(s: SessionState, event: object) -> bool:
        if not isinstance(event, PrintProgress):
            return False
        inner = s.suspended if s.suspended is not None else s
        before = next((j.confirmed for j in inner.jobs if j.job_id == event.job_id), None)
        return before is not None and event.confirmed > before

    def _print_step(
        self,
        s: SessionState,
        event: PrintProgress | PrinterFault | PrintFinished | PrintFailed,
        *,
        held: bool,
    ) -> Transition:
        """A print event for the visit ``s`` (on screen, or ``held`` while a nurse works)."""
        if s.state not in _PRINT_STATES:
            return Transition(s)  # already finished: a late report changes nothing
        match event:
            case PrintProgress(_visit, job_id, kind, confirmed, units):
                before = next((j for j in s.jobs if j.job_id == job_id), None)
                job = JobProgress(job_id, kind, confirmed, units)
                jobs = tuple(job if j.job_id == job_id else j for j in s.jobs)
                if before is None:
                    jobs = (*s.jobs, job)
                s = replace(s, jobs=jobs)
                if s.state is State.PAUSED and before is not None and confirmed > before.confirmed:
                    s = replace(s, state=State.PRINTING, message_id="", deadline=None)
                    s = replace(s, warn_from=None)
                return Transition(s)
            case PrinterFault(_visit, message_id):
                if s.state is State.PAUSED:
                    return Transition(replace(s, message_id=message_id))
                paused = replace(s, state=State.PAUSED, message_id=message_id)
                return Transition(paused if held else self._idle_state(paused, State.PAUSED))
            case PrintFinished(_visit, outcomes):
                done = self._result(s, State.DONE, outcomes=outcomes)
                failed = [o for o in outcomes if o.state is ItemState.FAILED]
                return Transition(done, (CallNurse(failed[0].message_id or "printer.failed"),)
                                  if failed else ())  # fmt: skip
            case PrintFailed(_visit, message_id, text):
                return Transition(self._result(s, State.ERROR, message_id=message_id, text=text))
        return Transition(s)

    # ------------------------------------------------------------------------ time
    def _tick(self, s: SessionState) -> Transition:
        if s.deadline is None or self.clock() < s.deadline:
            return Transition(s)
        if s.state is State.HOME:
            # nobody there: put the looks back for whoever comes next
            return self._home(s)
        if s.state in (State.LOGIN, State.MAINTENANCE):
            return self._leave_maintenance(s)
        return self._home(s)

    def _touched(self, s: SessionState) -> SessionState:
        if s.deadline is None or s.state in (State.DONE, State.ERROR):
            return s
        if s.warn_from is not None and self.clock() >= s.warn_from:
            return s  # "are you still there?" shows: only its button answers it
        return self._rearm(s)

    def _timeout(self, state: State) -> float | None:
        if state in (State.HOME, State.TYPING, State.CHOOSING, State.LOGIN, State.MAINTENANCE):
            return self.config.idle_timeout_s
        if state is State.PAUSED:
            return self.config.paused_timeout_s
        return None

    def _rearm(self, s: SessionState) -> SessionState:
        timeout = self._timeout(s.state)
        if timeout is None or (s.state is State.MAINTENANCE and (s.fault_visit or s.nurse_jobs)):
            return replace(s, deadline=None, warn_from=None)
        deadline = self.clock() + timeout
        warn = None if s.state is State.HOME else deadline - min(COUNTDOWN_S, timeout)
        return replace(s, deadline=deadline, warn_from=warn)

    def _idle_state(self, s: SessionState, state: State) -> SessionState:
        return self._rearm(replace(s, state=state))

    def _result(self, s: SessionState, state: State, **values: object) -> SessionState:
        deadline = self.clock() + self.config.result_hold_s
        return replace(
            s, state=state, deadline=deadline, warn_from=None, pending_code="",
            **values,  # type: ignore[arg-type]
        )  # fmt: skip

    # ------------------------------------------------------------------------ moving
    def _fresh(self, s: SessionState, state: State, **values: object) -> SessionState:
        """``state`` with nothing of the last visit kept (looks and counters stay)."""
        clean = SessionState(
            state=state, visit_id=s.visit_id, ticket=s.ticket, fault_visit=s.fault_visit,
            language=s.language, high_contrast=s.high_contrast,
        )  # fmt: skip
        return replace(clean, **values)  # type: ignore[arg-type]

    def _default_looks(self, s: SessionState) -> list[Effect]:
        return [ApplyLooks(self.config.language, self.config.high_contrast)]

    def _idle_home(self, s: SessionState) -> SessionState:
        home = self._fresh(s, State.HOME, language=self.config.language)
        return self._rearm(replace(home, high_contrast=self.config.high_contrast))

    def _home(self, s: SessionState) -> Transition:
        """Home: the visit wiped, its answers dropped, the looks the site's again."""
        effects: list[Effect] = [WipePatientData(), *self._default_looks(s)]
        # the ticket moves on: a staff-card check still running is dropped
        home = self._idle_home(replace(s, ticket=s.ticket + 1))
        return Transition(home, tuple(effects))

    def _error(self, s: SessionState, message_id: str, text: str) -> Transition:
        effects: tuple[Effect, ...] = (WipePatientData(),) if s.state is State.CHOOSING else ()
        error = self._result(
            self._fresh(s, s.state, visit_id=s.visit_id), State.ERROR, message_id=message_id,
            text=text,
        )  # fmt: skip
        return Transition(error, effects)

    def _suspend(self, s: SessionState) -> tuple[SessionState | None, tuple[Effect, ...]]:
        """What of ``s`` is kept while a nurse works: a print going on; anything else is wiped."""
        if s.state in (State.LOGIN, State.MAINTENANCE):
            return s.suspended, ()
        if s.state in _PRINT_STATES:
            return replace(s, deadline=None, warn_from=None), ()
        if s.state is State.HOME:
            return None, ()
        return None, (WipePatientData(),)

    def _login(self, s: SessionState, message_id: str, locked_for: int) -> Transition:
        suspended, effects = self._suspend(s)
        login = self._fresh(s, State.LOGIN, message_id=message_id, locked_for=locked_for)
        # the ticket moves on: a check still running is no login try
        login = replace(login, suspended=suspended, pending_code="", ticket=s.ticket + 1)
        if s.state in (State.IDENTIFYING, State.CHOOSING, State.DONE, State.ERROR):
            login = replace(login, visit_id=s.visit_id + 1)  # its answers are stale now
        return Transition(self._rearm(login), effects)

    def _maintenance(self, s: SessionState, staff: str, via: str) -> Transition:
        suspended, effects = self._suspend(s)
        panel = self._fresh(s, State.MAINTENANCE, staff=staff, via=via, suspended=suspended)
        panel = replace(panel, ticket=s.ticket + 1)
        if s.state in (State.IDENTIFYING, State.CHOOSING, State.DONE, State.ERROR):
            panel = replace(panel, visit_id=s.visit_id + 1)
        return Transition(self._rearm(panel), effects)

    def _leave_maintenance(self, s: SessionState) -> Transition:
        held = s.suspended
        if held is None:
            return self._home(replace(s, suspended=None))
        keep = replace(held, ticket=s.ticket, fault_visit=s.fault_visit, suspended=None)
        if keep.state in _PRINT_STATES:
            if keep.state is State.PAUSED:
                return Transition(self._idle_state(keep, State.PAUSED))
            return Transition(replace(keep, deadline=None, warn_from=None))
        # it finished while the nurse worked: its result, with a fresh countdown
        return Transition(self._result(keep, keep.state))
