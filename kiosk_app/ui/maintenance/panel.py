"""The nurse's screen: device tiles, what to do about a jam, waiting jobs, film loaded, reprints,
recent events. Every call to a service runs on a worker thread; every action is audited with the
staff id the nurse logged in with (the services write the audit rows)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.core.models import ItemKind, JobState
from kiosk_app.services.device_status import (
    DeviceCondition,
    Severity,
    blocking,
    printer_conditions,
    reason_conditions,
)
from kiosk_app.services.fleet import ClaimView
from kiosk_app.services.health import HealthService
from kiosk_app.services.maintenance import MaintenanceError, MaintenanceService, WaitingJob
from kiosk_app.services.printing import ACTOR
from kiosk_app.services.testpage import send_test_print
from kiosk_app.services.visit import PlannedItem, VisitService
from kiosk_app.store import Store
from kiosk_app.store.repositories import AuditRepository
from kiosk_app.ui.bridge import Worker
from kiosk_app.ui.screens.common import (
    WrappingRow,
    button,
    clear_layout_widgets,
    label,
    scrolling,
)
from kiosk_app.ui.translator import tr

log = logging.getLogger(__name__)

#: How long "tap again to quit" waits for the second tap.
QUIT_CONFIRM_MS = 5000

LEVEL_COLOURS = {"ok": "#1e7d32", "warn": "#8a5a00", "fault": "#b00020", "unknown": "#555555"}
JAM_CODES = {"media-jam", "door-open"}
MEDIA_CODES = {"media-empty", "media-needed", "media-low"}
MEDIA_SIZES = {"film": ("14INX17IN", "11INX14IN", "8INX10IN"), "report": ("A4",)}
COUNTS = (100, 125, 500)
#: the reprint reasons a nurse picks with one touch (message ids)
REASONS = ("mnt.reason_smudged", "mnt.reason_unclear", "mnt.reason_lost")


_FILM_SIZE = re.compile(r"^(\d+(?:\.\d+)?)(IN|CM)X(\d+(?:\.\d+)?)(IN|CM)$", re.IGNORECASE)
_PWG_SIZE = re.compile(r"^[a-z]+_([a-z0-9.-]+)_(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|in)$")


def media_words(media: str) -> str:
    """A film or paper size as a nurse says it: ``14INX17IN`` (DICOM Film Size ID) is
    14x17 英寸 / 14 x 17 in, ``iso_a4_210x297mm`` (PWG) is A4; anything else as given."""
    media = media.strip()
    found = _FILM_SIZE.match(media)
    if found:
        w, wu, h, _hu = found.groups()
        unit = "mnt.media.inch" if wu.upper() == "IN" else "mnt.media.cm"
        return tr(unit, w=w, h=h)
    found = _PWG_SIZE.match(media.lower())
    if found:
        name, w, h, unit = found.groups()
        if media.lower().startswith("iso_") and re.fullmatch(r"[abc]\d+", name):
            return name.upper()
        return tr("mnt.media.inch" if unit == "in" else "mnt.media.mm", w=w, h=h)
    return media


def media_value(words: str, role: str) -> str:
    """The size to record for what the size field shows (a preset's words, or as typed)."""
    for size in MEDIA_SIZES.get(role, ()):
        if words.strip() in (size, media_words(size)):
            return size
    return words.strip()


def condition_words(conditions: list[DeviceCondition]) -> str:
    return "\n".join(tr(c.message_id) for c in conditions)


#: audit actions the recent tab names in words (others: "other action")
AUDITED = {
    "maintenance.entered",
    "maintenance.exited",
    "maintenance.quit",
    "maintenance.pin_failed",
    "maintenance.test_print",
    "job.paused",
    "job.held",
    "job.resumed",
    "job.canceled",
    "supply.loaded",
    "reprint.authorised",
    "fleet.settled",
}


#: the width of a jam step's picture
STEP_PICTURE_PX = 360


@dataclass(frozen=True)
class JamGuide:
    """What to do about a jam on one printer's model (``[printers.*] model, jam_steps,
    jam_pictures``): empty steps, the kiosk's general ones."""

    model: str = ""
    steps: tuple[str, ...] = ()
    pictures: tuple[str, ...] = ()

    def picture(self, index: int) -> QPixmap | None:
        """Step ``index``'s picture, or None (none given, or the file cannot be read)."""
        path = self.pictures[index] if index < len(self.pictures) else ""
        if not path:
            return None
        image = QPixmap(str(Path(path).expanduser()))
        if image.isNull():
            log.warning("jam step %d: picture %s cannot be read", index + 1, path)
            return None
        return image.scaledToWidth(STEP_PICTURE_PX, Qt.TransformationMode.SmoothTransformation)


#: how long a resume waits for the printer to confirm a sheet
RESUME_WAIT_S = 30


@dataclass(frozen=True)
class ResumeOutcome:
    """What a resume came to: sheets confirmed, whether the printer printed again since, and
    what still stops it."""

    confirmed: int
    units: int
    printed: bool
    stops: list[DeviceCondition]

    def words(self, job_id: int) -> str:
        if self.stops:
            return tr(
                "mnt.resumed_still_stopped", job=job_id, condition=condition_words(self.stops)
            )
        if self.printed:
            return tr("mnt.resumed", job=job_id, confirmed=self.confirmed, units=self.units)
        return tr("mnt.resumed_waiting", job=job_id, confirmed=self.confirmed, units=self.units)


@dataclass
class Tile:
    """One device as the nurse sees it."""

    role: str
    name: str
    level: str  # ok / warn / fault / unknown
    conditions: list[DeviceCondition] = field(default_factory=list)
    detail: str = ""


@dataclass
class Overview:
    tiles: list[Tile]
    jobs: list[WaitingJob]
    supplies: list[tuple[str, str, int]]
    recent: list[tuple[datetime, str, str, str]]
    fleet: list[ClaimView] = field(default_factory=list)
    """Items of other kiosks (or of this one, with no job here) whose outcome is unknown."""
    fleet_error: str = ""


def gather(maintenance: MaintenanceService, health: HealthService, store: Store) -> Overview:
    """Everything the first screen shows (blocking: asks the printers and the cloud)."""
    snapshot = health.snapshot()
    conditions = maintenance.printer_conditions()
    tiles = []
    for role, printer in maintenance.printers.items():
        component = snapshot.components.get(f"{role}_printer", {})
        found = conditions.get(role, [])
        worst = max((c.severity for c in found), default=None)
        if component.get("state") == "unknown":
            level = "unknown"
        elif worst is Severity.ERROR:
            level = "fault"
        elif worst is Severity.WARNING:
            level = "warn"
        else:
            level = "ok"
        tiles.append(Tile(role, printer.name, level, found, str(component.get("message", ""))))
    cloud = snapshot.components.get("cloud", {})
    reachable = bool(cloud.get("reachable"))
    # the cloud's address and its error are for the log, not for the nurse's screen
    tiles.append(Tile("cloud", "", "ok" if reachable else "fault"))
    with store.session() as session:
        recent = [(a.at, a.actor, a.action, a.subject) for a in AuditRepository(session).recent(12)]
    supplies = [(s.printer, s.media, s.remaining) for s in maintenance.supplies()]
    jobs = maintenance.waiting_jobs()
    fleet: list[ClaimView] = []
    fleet_error = ""
    if maintenance.fleet is not None:
        try:
            here = maintenance.fleet.kiosk_id
            mine = {job.job_id for job in jobs}
            fleet = [
                c
                for c in maintenance.fleet_unknown()
                if c.kiosk_id != here or c.job_id not in mine  # this kiosk's own: its job row
            ]
        except MaintenanceError as exc:
            log.warning("the fleet's ledger: %s", exc)
            fleet_error = "unreachable"
    return Overview(tiles, jobs, supplies, recent, fleet, fleet_error)


def audit(
    store: Store,
    staff: str,
    action: str,
    subject: str = "",
    detail: dict[str, object] | None = None,
) -> None:
    with store.session() as session:
        AuditRepository(session).record(staff, action, subject=subject, detail=detail)


class MaintenancePanel(QWidget):
    exited = Signal()
    quit_requested = Signal()
    #: after each overview: whether a job stopped on a printer's condition waits for the nurse
    jobs_waiting = Signal(bool)

    def __init__(
        self,
        maintenance: MaintenanceService,
        health: HealthService,
        store: Store,
        visit: VisitService,
        worker: Worker,
        locale: str,
        jam_guides: Mapping[str, JamGuide] | None = None,
    ) -> None:
        super().__init__()
        #: each printer role's jam steps (``report``, ``film``)
        self.jam_guides = dict(jam_guides or {})
        self.maintenance, self.health, self.store, self.visit = maintenance, health, store, visit
        self.worker = worker
        self.lang = locale
        self.staff = ""
        self.overview: Overview | None = None
        self.reprint_items: list[PlannedItem] = []
        self.chosen_item: PlannedItem | None = None
        self.load_role = "film"
        layout = QVBoxLayout(self)
        self.title = label("", "heading", center=False)
        layout.addWidget(self.title)
        top = WrappingRow()
        self.refresh_button = button()
        self.exit_button = button()
        self.quit_button = button()
        top.addWidget(self.quit_button)
        top.addWidget(self.refresh_button)
        top.addWidget(self.exit_button)
        layout.addWidget(top)
        self.status = label("", "", center=False)
        layout.addWidget(self.status)
        self.tabs = QTabWidget()
        self.tabs.setStyleSheet(
            "QTabBar::tab { min-height: 100px; min-width: 160px; padding: 0 12px;"
            " font-size: 30px; }"
        )
        self.tabs.tabBar().setExpanding(True)
        layout.addWidget(self.tabs, 1)
        self._build_devices()
        self._build_supplies()
        self._build_reprint()
        self._build_recent()
        self.refresh_button.clicked.connect(self.refresh)
        self.exit_button.clicked.connect(self._exit)
        self.quit_button.clicked.connect(self._quit)
        self._quit_armed = False
        self._quit_timer = QTimer(self)
        self._quit_timer.setSingleShot(True)
        self._quit_timer.timeout.connect(self._disarm_quit)
        self.retranslate(locale)

    # ------------------------------------------------------------------ building
    def _build_devices(self) -> None:
        page = QWidget()
        column = QVBoxLayout(page)
        self.urgent = label("", "heading", center=False)
        column.addWidget(self.urgent)
        self.tiles_row = QHBoxLayout()
        self.tiles_row.setSpacing(24)
        column.addLayout(self.tiles_row)
        self.steps = label("", "", center=False)
        column.addWidget(self.steps)
        self.step_rows = QWidget()  # a printer model's own numbered steps, with pictures
        self.step_layout = QVBoxLayout(self.step_rows)
        self.step_layout.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.step_rows)
        self.jobs_box = QWidget()
        self.jobs_layout = QVBoxLayout(self.jobs_box)
        column.addWidget(self.jobs_box)
        column.addStretch(1)
        self.tabs.addTab(scrolling(page), "")

    def _build_supplies(self) -> None:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(16)
        roles = QHBoxLayout()
        self.role_buttons = {}
        for role in ("film", "report"):
            choice = button()
            choice.setCheckable(True)
            choice.clicked.connect(lambda _=False, r=role: self._choose_role(r))
            self.role_buttons[role] = choice
            roles.addWidget(choice)
        roles.addStretch(1)
        column.addLayout(roles)
        self.media_size = QLineEdit()
        self.size_label = label("", "", center=False)
        sizes = QHBoxLayout()
        sizes.addWidget(self.size_label)
        sizes.addWidget(self.media_size, 1)
        column.addLayout(sizes)
        # the presets wrap below one another where a portrait screen has no room for them
        self.size_buttons = WrappingRow()
        column.addWidget(self.size_buttons)
        self.count = QLineEdit()
        self.count_label = label("", "", center=False)
        counts = QHBoxLayout()
        counts.addWidget(self.count_label)
        counts.addWidget(self.count, 1)
        column.addLayout(counts)
        count_presets = WrappingRow()
        self.count_presets = []
        for value in COUNTS:
            preset = button(str(value))
            preset.clicked.connect(lambda _=False, v=value: self.count.setText(str(v)))
            count_presets.addWidget(preset)
            self.count_presets.append(preset)
        column.addWidget(count_presets)
        self.load_button = button("", "primary")
        self.load_button.clicked.connect(self.record_loaded)
        column.addWidget(self.load_button)
        self.supplies_text = label("", "", center=False)
        column.addWidget(self.supplies_text)
        column.addStretch(1)
        self.tabs.addTab(scrolling(page), "")
        self._choose_role("film")

    def _build_reprint(self) -> None:
        page = QWidget()
        column = QVBoxLayout(page)
        row = QHBoxLayout()
        self.reprint_code = QLineEdit()
        self.reprint_find = button()
        self.reprint_find.clicked.connect(self.find_for_reprint)
        row.addWidget(self.reprint_code, 3)
        row.addWidget(self.reprint_find, 1)
        column.addLayout(row)
        self.reprint_box = QWidget()
        self.reprint_layout = QVBoxLayout(self.reprint_box)
        column.addWidget(self.reprint_box)
        reasons = QHBoxLayout()
        self.reason_buttons = []
        for index in range(3):
            preset = button()
            preset.clicked.connect(lambda _=False, i=index: self._preset_reason(i))
            self.reason_buttons.append(preset)
            reasons.addWidget(preset)
        column.addLayout(reasons)
        self.reason = QLineEdit()
        column.addWidget(self.reason)
        self.authorise = button("", "primary")
        self.authorise.clicked.connect(self.authorise_reprint)
        column.addWidget(self.authorise)
        column.addStretch(1)
        self.tabs.addTab(scrolling(page), "")

    def _build_recent(self) -> None:
        page = QWidget()
        column = QVBoxLayout(page)
        self.recent_text = label("", "small", center=False)
        self.recent_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.recent_text, 1)
        self.tabs.addTab(scrolling(page), "")

    # ------------------------------------------------------------------ entering and leaving
    def open_for(self, staff: str, via: str = "pin") -> None:
        """Open for ``staff`` (a staff id, or a staff card's label), who came in ``via`` a PIN
        or a staff card: both go into the audit log."""
        self.staff = staff
        self.status.clear()
        self.retranslate(self.lang)
        detail: dict[str, object] = {"via": via}
        self.worker.call(
            lambda: audit(self.store, staff, "maintenance.entered", detail=detail),
            _ok,
            self._failed,
            owner=self,
        )
        self.refresh()

    def _exit(self) -> None:
        staff = self.staff
        self.worker.call(
            lambda: audit(self.store, staff, "maintenance.exited"), _ok, self._failed, owner=self
        )
        self.clear()
        self.exited.emit()

    def _quit(self) -> None:
        """The only way out to the desktop, behind a second tap: audited, then the window may
        close (and systemd starts the kiosk again: ``Restart=always``)."""
        if not self._quit_armed:
            self._quit_armed = True
            self.quit_button.setText(tr("mnt.quit_confirm"))
            self.status.setText(tr("mnt.quit_explain"))
            self._quit_timer.start(QUIT_CONFIRM_MS)
            return
        self._disarm_quit()
        staff = self.staff
        self.worker.call(
            lambda: audit(self.store, staff, "maintenance.quit"),
            lambda _v: self.quit_requested.emit(),
            self._failed,
            owner=self,
        )

    def _disarm_quit(self) -> None:
        self._quit_armed = False
        self._quit_timer.stop()
        self.quit_button.setText(tr("mnt.quit"))

    def clear(self) -> None:
        """Forget the nurse and any patient looked up for a reprint."""
        self.staff = ""
        self._disarm_quit()
        self.status.clear()
        self.reprint_code.clear()
        self.reason.clear()
        self.reprint_items = []
        self.chosen_item = None
        clear_layout_widgets(self.reprint_box, "row")

    # ------------------------------------------------------------------ the overview
    def refresh(self) -> None:
        self.worker.call(
            lambda: gather(self.maintenance, self.health, self.store),
            self.show_overview,
            self._failed,
            owner=self,
        )

    def show_overview(self, overview: Overview) -> None:
        self.overview = overview
        clear_layout_widgets(self, "tile")
        for tile in overview.tiles:
            frame = QFrame()
            frame.setObjectName("tile")
            box = QVBoxLayout(frame)
            colour = LEVEL_COLOURS[tile.level]
            title = label(tr(f"mnt.device.{tile.role}"), "heading")
            state = label(tr(f"mnt.level.{tile.level}"), "heading")
            state.setStyleSheet(f"color: #ffffff; background: {colour}; border-radius: 8px;")
            box.addWidget(title)
            box.addWidget(state)
            words = condition_words(tile.conditions)
            if tile.role == "cloud" and tile.level == "fault":
                words = tr("mnt.cloud_unreachable")
            box.addWidget(label(f"{tile.name}\n{words}".strip(), "small"))
            actions = WrappingRow(spacing=8)
            open_steps = button(tr("mnt.steps"))
            open_steps.clicked.connect(lambda _=False, t=tile: self.show_steps(t))
            actions.addWidget(open_steps)
            if tile.role in self.maintenance.printers:
                test = button(tr("mnt.test_print"))
                test.setProperty("test_print", tile.role)
                test.clicked.connect(lambda _=False, r=tile.role: self.test_print(r))
                actions.addWidget(test)
            box.addWidget(actions)
            self.tiles_row.addWidget(frame, 1)
        urgent = next((t for t in overview.tiles if t.level == "fault"), None)
        if urgent is not None:
            self.show_steps(urgent)
            self.urgent.setText(f"{tr(f'mnt.device.{urgent.role}')}: {tr('mnt.level.fault')}")
        else:
            self.urgent.setText("")
            self.steps.clear()
            clear_layout_widgets(self.step_rows, "jam_step")
        self._show_jobs(overview.jobs, others=bool(overview.fleet))
        self.jobs_waiting.emit(any(job.state is JobState.PAUSED for job in overview.jobs))
        self._show_fleet(overview.fleet, overview.fleet_error)
        self.supplies_text.setText(
            "\n".join(f"{p} · {media_words(m)}: {n}" for p, m, n in overview.supplies)
        )
        # what was done, in words; the subject (a job, an item's study) stays in the log
        self.recent_text.setText(
            "\n".join(
                f"{at:%m-%d %H:%M:%S}  {tr('mnt.actor_kiosk') if actor == ACTOR else actor}  "
                + tr(f"mnt.audit.{action}" if action in AUDITED else "mnt.audit.other")
                for at, actor, action, _subject in overview.recent
            )
        )

    def show_steps(self, tile: Tile) -> None:
        codes = {c.code for c in tile.conditions}
        clear_layout_widgets(self.step_rows, "jam_step")
        guide = self.jam_guides.get(tile.role)
        if codes & JAM_CODES and guide is not None and guide.steps:
            heading = "mnt.jam_model_steps" if guide.model else "mnt.jam_own_steps"
            self.steps.setText(tr(heading, printer=tile.name, model=guide.model))
            self._show_model_steps(guide)
            return
        if codes & JAM_CODES:
            text = tr("mnt.jam_steps", printer=tile.name)
        elif codes & MEDIA_CODES:
            text = tr("mnt.media_steps", printer=tile.name)
        else:
            text = condition_words(tile.conditions)
            if tile.role == "cloud" and tile.level == "fault":
                text = tr("mnt.cloud_unreachable")
        self.steps.setText(text)

    def _show_model_steps(self, guide: JamGuide) -> None:
        for index, step in enumerate(guide.steps):
            row = QFrame()
            row.setObjectName("jam_step")
            line = QHBoxLayout(row)
            line.addWidget(label(f"{index + 1}. {step}", "", center=False), 1)
            image = guide.picture(index)
            if image is not None:
                picture = QLabel()
                picture.setObjectName("jam_picture")
                picture.setPixmap(image)
                picture.setAccessibleName(tr("mnt.jam_picture", step=index + 1))
                line.addWidget(picture)
            self.step_layout.addWidget(row)

    def _show_jobs(self, jobs: list[WaitingJob], *, others: bool = False) -> None:
        """This kiosk's waiting jobs (``others``: other kiosks' items follow, so no "none")."""
        clear_layout_widgets(self.jobs_box, "row")
        if not jobs:
            if not others:
                frame = QFrame()
                frame.setObjectName("row")
                QVBoxLayout(frame).addWidget(label(tr("mnt.no_jobs"), ""))
                self.jobs_layout.addWidget(frame)
            return
        for job in jobs:
            frame = QFrame()
            frame.setObjectName("row")
            column = QVBoxLayout(frame)
            column.addWidget(
                label(
                    tr(
                        "mnt.job_line",
                        job=job.job_id,
                        kind=tr(f"kind.{job.kind.value}"),
                        printer=job.printer,
                        state=tr(f"mnt.job_state.{job.state.value}"),
                        confirmed=job.confirmed,
                        units=job.units,
                    )
                    + self._job_why(job),
                    "",
                    center=False,
                )
            )
            row = WrappingRow()  # the job's actions below its line, wrapping in portrait
            column.addWidget(row)
            resume = button(tr("mnt.cleared"), "primary")
            resume.setProperty("job", job.job_id)
            resume.clicked.connect(lambda _=False, j=job.job_id: self.resume(j))
            row.addWidget(resume)
            if job.state is JobState.UNKNOWN:
                printed = button(tr("mnt.confirm_printed"))
                printed.clicked.connect(lambda _=False, j=job.job_id: self.confirm_printed(j))
                row.addWidget(printed)
            cancel = button(tr("mnt.cancel_job"))
            cancel.clicked.connect(lambda _=False, j=job.job_id: self.cancel(j))
            row.addWidget(cancel)
            self.jobs_layout.addWidget(frame)

    @staticmethod
    def _job_why(job: WaitingJob) -> str:
        """Why a job waits, in words: the printer's conditions its reason names, else that it
        waits for the nurse (the printer's own terms and the service's detail: in the log)."""
        words = condition_words(reason_conditions(job.reason))
        if not words and (job.attention or job.reason) and job.state is JobState.PAUSED:
            words = tr("mnt.job_attention")
        return f"\n{words}" if words else ""

    def _show_fleet(self, claims: list[ClaimView], error: str) -> None:
        """Other kiosks' items that wait for a nurse: she checks that kiosk's tray."""
        if error:
            frame = QFrame()
            frame.setObjectName("row")
            QVBoxLayout(frame).addWidget(label(tr("mnt.fleet_error"), ""))
            self.jobs_layout.addWidget(frame)
        for claim in claims:
            frame = QFrame()
            frame.setObjectName("row")
            column = QVBoxLayout(frame)
            column.addWidget(
                label(
                    tr(
                        "mnt.fleet_line",
                        kiosk=claim.kiosk_id,
                        kind=tr(f"kind.{claim.kind}"),
                        since=f"{claim.lease_until:%m-%d %H:%M}",
                    ),
                    "",
                    center=False,
                )
            )
            row = WrappingRow()  # its two answers below its line, wrapping in portrait
            column.addWidget(row)
            for printed, text in ((True, "mnt.fleet_printed"), (False, "mnt.fleet_not_printed")):
                choice = button(tr(text), "primary" if printed else "")
                choice.setProperty("fleet_item", claim.item_key)
                choice.setProperty("printed", printed)
                choice.clicked.connect(
                    lambda _=False, k=claim.item_key, p=printed: self.settle_fleet(k, p)
                )
                row.addWidget(choice)
            self.jobs_layout.addWidget(frame)

    def settle_fleet(self, key: str, printed: bool) -> None:
        staff = self.staff
        self._act(
            lambda: self.maintenance.settle_fleet_item(key, staff, printed=printed),
            lambda _r: tr("mnt.done"),
        )

    # ------------------------------------------------------------------ actions
    def _act(self, fn: Any, done_text: Any) -> None:
        def done(value: object) -> None:
            self.status.setText(done_text(value))
            self.refresh()

        self.worker.call(fn, done, self._failed, owner=self)

    def resume(self, job_id: int) -> None:
        """Send the job on; "resumed" is said only once the printer prints again (a sheet
        confirmed since): while it still reports the jam, the panel says so."""
        staff, m = self.staff, self.maintenance
        before = next(
            (
                j.confirmed
                for j in (self.overview.jobs if self.overview else [])
                if j.job_id == job_id
            ),
            0,
        )
        self.status.setText(tr("mnt.resuming", job=job_id))

        def stops(kind: ItemKind) -> list[DeviceCondition]:
            printer = m.printers.get(kind.value)
            return blocking(printer_conditions(printer.status())) if printer else []

        def work() -> ResumeOutcome:
            m.resume(job_id, staff)
            result = m.printing.check(job_id)  # the printer asked once: is it still stopped?
            still = stops(result.kind)
            if not still and result.state is not JobState.COMPLETED:
                result = m.printing.wait([job_id], RESUME_WAIT_S)[job_id]
                still = stops(result.kind)
            done = result.state is JobState.COMPLETED
            printed = done or result.confirmed > before
            return ResumeOutcome(result.confirmed, result.units, printed, [] if done else still)

        self._act(work, lambda r: r.words(job_id))

    def cancel(self, job_id: int) -> None:
        staff = self.staff
        self._act(
            lambda: self.maintenance.cancel(job_id, staff, "canceled at the kiosk"),
            lambda _r: tr("mnt.done"),
        )

    def confirm_printed(self, job_id: int) -> None:
        staff = self.staff
        m = self.maintenance

        def work() -> object:
            result = m.confirm_printed(job_id, staff)
            # Sheets the kiosk never sent go out now, as after a resume: follow them.
            return m.printing.wait([job_id], 30)[job_id] if result.state.open else result

        self._act(work, lambda _r: tr("mnt.done"))

    def test_print(self, role: str) -> None:
        staff, printer, store = self.staff, self.maintenance.printers[role], self.store
        kiosk_id = self.health.kiosk_id

        def work() -> str:
            job = send_test_print(printer, kiosk_id, staff)
            with store.session() as session:
                AuditRepository(session).record(
                    staff, "maintenance.test_print", subject=printer.name, detail={"job": job}
                )
            return job

        self._act(
            work,
            lambda job: tr("mnt.test_sent", printer=printer.name, job=job),
        )

    def _choose_role(self, role: str) -> None:
        self.load_role = role
        for name, choice in self.role_buttons.items():
            choice.setChecked(name == role)
        clear_layout_widgets(self, "size")
        for size in MEDIA_SIZES[role]:
            words = media_words(size)
            preset = button(words)
            preset.setObjectName("size")
            preset.setProperty("media", size)
            preset.setAccessibleName(tr("ui.a11y_preset", what=tr("mnt.size"), value=words))
            preset.clicked.connect(lambda _=False, w=words: self.media_size.setText(w))
            self.size_buttons.addWidget(preset)
        self.media_size.setText(media_words(MEDIA_SIZES[role][0]))

    def record_loaded(self) -> None:
        staff, role = self.staff, self.load_role
        printer = self.maintenance.printers[role].name
        media = media_value(self.media_size.text(), role)
        try:
            count = int(self.count.text())
        except ValueError:
            self.status.setText(tr("mnt.count") + "?")
            return
        self._act(
            lambda: self.maintenance.record_loaded(printer, media, count, staff),
            lambda s: f"{tr('mnt.done')}: {s.printer} · {media_words(s.media)} · {s.remaining}",
        )

    def find_for_reprint(self) -> None:
        code = self.reprint_code.text().strip()
        if not code:
            return

        def work() -> list[PlannedItem]:
            _credential, exams = self.visit.find(code)
            return [
                p for p in self.visit.plan(exams) if p.decision.message_id == "item.already_printed"
            ]

        self.worker.call(work, self._show_reprint_items, self._failed, owner=self)

    def _show_reprint_items(self, items: list[PlannedItem]) -> None:
        self.reprint_items = items
        self.chosen_item = None
        clear_layout_widgets(self.reprint_box, "row")
        if not items:
            self.status.setText(tr("ui.nothing_new"))
        for item in items:
            when = item.exam.study_date.isoformat() if item.exam.study_date else ""
            choice = button(f"{when} {item.exam.description} · {tr(f'kind.{item.kind.value}')}")
            choice.setObjectName("row")
            choice.setCheckable(True)
            choice.clicked.connect(lambda _=False, it=item, b=choice: self._choose_item(it, b))
            self.reprint_layout.addWidget(choice)

    def _choose_item(self, item: PlannedItem, chosen: QWidget) -> None:
        self.chosen_item = item
        for choice in self.reprint_box.findChildren(QWidget, "row"):
            choice.setProperty("checked", choice is chosen)
            if hasattr(choice, "setChecked"):
                choice.setChecked(choice is chosen)

    def _preset_reason(self, index: int) -> None:
        self.reason.setText(tr(REASONS[index]))

    def authorise_reprint(self) -> None:
        item, staff, reason = self.chosen_item, self.staff, self.reason.text()
        if item is None:
            self.status.setText(tr("mnt.reprint") + "?")
            return
        uid, kind = item.exam.study_uid, item.kind

        def done_text(authorisation: object) -> str:
            self.reprint_code.clear()
            self.reason.clear()
            self._show_reprint_items([])
            return f"{tr('mnt.done')} (#{authorisation})"

        self._act(lambda: self.maintenance.authorise_reprint(uid, kind, staff, reason), done_text)

    def _failed(self, exc: Exception) -> None:
        # the reason, in English and maybe with a path or a printer's term, is for the log
        log.warning("maintenance action failed: %s: %s", type(exc).__name__, exc)
        self.status.setText(tr(getattr(exc, "message_id", "mnt.action_failed")))

    # ------------------------------------------------------------------ language
    def retranslate(self, locale: str) -> None:
        self.lang = locale
        self.title.setText(tr("mnt.title") + (f" · {self.staff}" if self.staff else ""))
        self.refresh_button.setText(tr("mnt.refresh"))
        self.quit_button.setText(tr("mnt.quit"))
        self.exit_button.setText(tr("mnt.exit"))
        for index, key in enumerate(("mnt.devices", "mnt.load", "mnt.reprint", "mnt.recent")):
            self.tabs.setTabText(index, tr(key))
        for role, choice in self.role_buttons.items():
            choice.setText(tr(f"mnt.device.{role}"))
        self.size_label.setText(tr("mnt.size"))
        self.count_label.setText(tr("mnt.count"))
        self.load_button.setText(tr("mnt.load"))
        self.reprint_code.setPlaceholderText(tr("mnt.code"))
        self.reprint_code.setAccessibleName(tr("mnt.code"))
        self.media_size.setAccessibleName(tr("mnt.size"))
        self.count.setAccessibleName(tr("mnt.count"))
        for preset in self.count_presets:
            preset.setAccessibleName(
                tr("ui.a11y_preset", what=tr("mnt.count"), value=preset.text())
            )
        for preset in self.findChildren(QPushButton, "size"):
            words = media_words(str(preset.property("media")))
            preset.setText(words)
            preset.setAccessibleName(tr("ui.a11y_preset", what=tr("mnt.size"), value=words))
        self.reprint_find.setText(tr("ui.find"))
        self.reason.setPlaceholderText(tr("mnt.reason"))
        self.reason.setAccessibleName(tr("mnt.reason"))
        for index, preset in enumerate(self.reason_buttons):
            preset.setText(tr(REASONS[index]))
        self.authorise.setText(tr("mnt.reprint"))
        if self.overview is not None:
            self.show_overview(self.overview)


def _ok(_value: object) -> None:
    return None
