"""The nurse's screen of a kiosk in a fleet: another kiosk's item of unknown outcome (its
lease ran out: it crashed) is listed, and the nurse's answer settles it for the whole fleet.

Needs the PostgreSQL of ``scripts/services.sh`` (skipped without it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton

from kiosk_app.core.models import Exam, ItemKind
from kiosk_app.services.fleet import FleetLedger
from kiosk_app.store import Store
from kiosk_app.store.tables import utcnow
from kiosk_app.ui.main_window import KioskWindow
from tests.helpers.postgres import FleetDatabase, PostgresServer
from tests.ui.conftest import demo_settings, shown_window, visible_text
from tests.ui.test_maintenance import audit, log_in

pytestmark = pytest.mark.ui

STUDY = "1.2.826.0.1.3680043.8.498.16777"


@pytest.fixture
def window(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path, fleet_db: FleetDatabase, postgres_server: PostgresServer
) -> Iterator[KioskWindow]:
    settings = demo_settings(
        tmp_path,
        KIOSK_KIOSK__ID="kiosk-02",
        KIOSK_FLEET__DATABASE=fleet_db.url(2).split("?")[0],
        KIOSK_FLEET__CA_FILE=str(postgres_server.ca_file),
        KIOSK_FLEET__ROLE="kiosk_fleet",
    )
    yield from shown_window(qtbot, settings)


def crashed_kiosk_claim(fleet_db: FleetDatabase, tmp_path: Path) -> None:
    """kiosk-01 claimed a film ten minutes ago and was never heard of again."""
    then = utcnow() - timedelta(minutes=10)
    crashed = FleetLedger(
        Store.for_url(fleet_db.url(1), role="kiosk_fleet"),
        Store.open(tmp_path / "kiosk-01.db"),
        "kiosk-01",
        lease=60,
        now=lambda: then,
    )
    crashed.claim(Exam(STUDY, "A1", "P1", "X^Y", None, ("CT",), ""), ItemKind.FILM)
    crashed.shared.close()


def test_a_nurse_sees_a_crashed_kiosks_item_and_settles_it(  # type: ignore[no-untyped-def]
    qtbot, window: KioskWindow, fleet_db: FleetDatabase, tmp_path: Path
) -> None:
    crashed_kiosk_claim(fleet_db, tmp_path)
    assert window.panel is not None
    log_in(qtbot, window)
    qtbot.waitUntil(lambda: "kiosk-01" in visible_text(window), timeout=15000)
    text = visible_text(window)
    # the kiosk, the kind and since when; no study UID, not even its tail (issue 19)
    assert "kiosk-01" in text and STUDY[-12:] not in text and "胶片" in text
    assert "没有等待处理的作业" not in text  # nothing of this kiosk's own, but one of kiosk-01
    assert "请查看那台自助机的出纸口" in text
    answers = [
        b
        for b in window.panel.jobs_box.findChildren(QPushButton)
        if b.property("fleet_item") is not None
    ]
    assert [b.text() for b in answers] == ["在那台机器上已打印", "那台机器上没有"]
    assert {b.property("fleet_item") for b in answers} == {f"{STUDY}/film"}
    answers[1].click()  # not in kiosk-01's tray
    qtbot.waitUntil(lambda: window.panel.status.text() != "", timeout=15000)
    window.worker.wait_idle()
    qtbot.waitUntil(
        lambda: (
            not [
                b
                for b in window.panel.jobs_box.findChildren(QPushButton)
                if b.property("fleet_item") is not None and b.isVisible()
            ]
        ),
        timeout=15000,
    )
    assert fleet_db.rows("SELECT kiosk_id, state, settled_by FROM fleet_claims") == [
        ("kiosk-01", "released", "nurse01")
    ]
    assert ("nurse01", "fleet.settled") in [(a[0], a[1]) for a in audit(window)]
