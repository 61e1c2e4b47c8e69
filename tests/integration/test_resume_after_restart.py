"""A film job interrupted by a jam and then a restart resumes with identical, recomposed sheets.

Two kiosks built one after the other on the same data folder stand for the process before and
after a power cut: the sheets' pixels lived only in the first one's memory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from drivers.printer.fake import FakeFault, FakeFilmPrinter
from kiosk_app.app import build
from kiosk_app.core.models import ItemKind, ItemState, JobState
from kiosk_app.settings import load
from kiosk_app.store.repositories import LedgerRepository

pytestmark = pytest.mark.integration


def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load(
        None,
        demo=True,
        env={
            "KIOSK_KIOSK__DATA_DIR": str(tmp_path),
            "KIOSK_FILM__DPI": "100",
            "KIOSK_PRINTING__JOB_TIMEOUT": "1",
            "KIOSK_HEALTH__PORT": "0",
        },
    )


def film_pages(folder: Path) -> list[bytes]:
    pages = []
    for pdf in sorted(folder.glob("film-*.pdf")):
        for page in PdfReader(pdf).pages:
            pages.append(page.images[0].data)
    return pages


def test_jam_then_restart_then_resume_prints_each_sheet_once(tmp_path: Path) -> None:
    before = build(settings(tmp_path))
    assert isinstance(before.film_printer, FakeFilmPrinter)
    before.film_printer.fail_next = FakeFault.JAM
    summary = before.visit.print_code("DEMO0004")  # MR, 3 slices
    film = next(i for i in summary.items if i.kind is ItemKind.FILM)
    assert film.state is ItemState.FAILED  # waited 1 s on the jam: left for the nurse
    output = tmp_path / "output"
    assert film_pages(output) == []  # the jammed sheet never came out
    before.close()  # power cut: the composed sheets are gone with this process

    after = build(settings(tmp_path))
    after.printing.reconcile()
    assert after.maintenance is not None
    (waiting,) = after.maintenance.waiting_jobs()
    result = after.maintenance.resume(waiting.job_id, "nurse-7")
    result = after.printing.wait([waiting.job_id], 10)[waiting.job_id]
    assert result.state is JobState.COMPLETED
    pages = film_pages(output)
    assert len(pages) == result.units  # every sheet once, none twice
    with after.store.session() as session:
        assert [e.kind for e in LedgerRepository(session).all()] == ["report", "film"]
    after.close()
