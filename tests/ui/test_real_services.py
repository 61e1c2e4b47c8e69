"""The window's whole patient flow against the real peers: Orthanc (DICOMweb) and cupsd.

Skips when the services are not running (``bash scripts/services.sh start``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pypdf import PdfReader

from kiosk_app.app import Devices
from kiosk_app.core.models import JobState
from kiosk_app.settings import load
from kiosk_app.store.repositories import JobRepository
from kiosk_app.ui.main_window import KioskWindow
from tests.e2e.test_kiosk_print import FINDINGS, report_pdf, write_config
from tests.helpers.dicom_builders import image_series, make_encapsulated_pdf
from tests.ui.conftest import find_and_list, shown_window, visible_text

pytestmark = [pytest.mark.ui, pytest.mark.integration]


@pytest.fixture
def window(qtbot, orthanc, cups_queues, services_env, tmp_path: Path) -> Iterator[KioskWindow]:  # type: ignore[no-untyped-def]
    common = dict(
        patient_id="UI0001",
        patient_name="王^小明=王小明",
        accession="UIACC01",
        study_uid=pydicom.uid.generate_uid(),
    )
    orthanc.upload(make_encapsulated_pdf(report_pdf(), **common))
    for ds in image_series(get_testdata_file("CT_small.dcm", download=False), n=2, **common):
        orthanc.upload(ds)
    settings = load(
        write_config(tmp_path, services_env),
        env={"KIOSK_HEALTH__PORT": "0", "KIOSK_HEALTH__ENABLED": "false"},
    )
    yield from shown_window(qtbot, settings, Devices())


def test_a_visit_through_orthanc_and_cups(qtbot, window: KioskWindow, cups_queues) -> None:  # type: ignore[no-untyped-def]
    find_and_list(qtbot, window, "UIACC01")
    text = visible_text(window)
    assert "王*明" in text and "王小明" not in text
    assert text.count("可打印") == 2
    with qtbot.waitSignal(window.bridge.print_finished, timeout=120_000) as finished:
        window.exams.print_button.click()
    summary = finished.args[0]
    assert [i.state.value for i in summary.items] == ["delivered", "delivered"]
    assert "打印完成" in visible_text(window)
    assert window.kiosk is not None
    with window.kiosk.store.session() as session:
        completed = JobRepository(session).in_states([JobState.COMPLETED])
        jobs = {j.kind: j.printer_job_id for j in completed}
    paper = PdfReader(cups_queues.report_output(jobs["report"])).pages[0].extract_text()
    assert " ".join(FINDINGS.split()) in " ".join(paper.split())
