"""The ID-number map (hashed ID number -> PatientIDs) and the selftest's judgement of a look-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.core.errors import NoExamsError
from kiosk_app.core.models import Credential, CredentialKind
from kiosk_app.services import selftest
from kiosk_app.services.identify import (
    IdentityLookupError,
    IdentityService,
    IdNumberMap,
    NotRegisteredError,
)
from tests.unit.services.test_identify import EXAMS, ID_A, FakeCatalog, FakeLookup

KEY = b"k" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_map_keeps_patient_ids_for_the_retention_under_a_keyed_hash(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "id-numbers.db"
    ids = IdNumberMap(path, KEY, retention=3600, clock=clock)
    ids.put(ID_A, ["HC00000001"])
    assert ids.get(ID_A) == ("HC00000001",)
    assert ids.get(ID_A.replace("3", "4")) == ()
    # Another key (another kiosk's file copied here) finds nothing.
    assert IdNumberMap(path, b"x" * 32, retention=3600, clock=clock).get(ID_A) == ()
    ids.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("id-numbers.db*"))
    assert b"HC00000001" in stored and ID_A.encode() not in stored
    clock.now += 3601
    again = IdNumberMap(path, KEY, retention=3600, clock=clock)  # purges on opening
    assert again.get(ID_A) == ()
    assert b"HC00000001" not in b"".join(p.read_bytes() for p in tmp_path.glob("id-numbers.db*"))
    with pytest.raises(ValueError):
        IdNumberMap(path, b"", retention=3600)


def test_a_second_visit_does_not_ask_the_mpi_again(tmp_path: Path) -> None:
    mpi = FakeLookup({ID_A: ["HC00000001"]})
    catalog = FakeCatalog()
    ids = IdNumberMap(tmp_path / "m.db", KEY, retention=3600)
    service = IdentityService(catalog, object(), id_number_mode="mpi", mpi=mpi, id_map=ids)  # type: ignore[arg-type]
    credential = Credential(CredentialKind.NATIONAL_ID, ID_A)
    first = service.find_credential(credential)[1]
    second = service.find_credential(credential)[1]
    assert first == second and {e.patient_id for e in second} == {"HC00000001"}
    assert len(mpi.asked) == 1
    # What the MPI does not know is not remembered: it is asked every time.
    with pytest.raises(NotRegisteredError):
        service.find_credential(Credential(CredentialKind.NATIONAL_ID, "11010519491231002X"))
    with pytest.raises(NotRegisteredError):
        service.find_credential(Credential(CredentialKind.NATIONAL_ID, "11010519491231002X"))
    assert len(mpi.asked) == 3


def test_a_remembered_patient_id_without_exams_is_looked_up_again(tmp_path: Path) -> None:
    mpi = FakeLookup({ID_A: ["HC00000002"]})
    ids = IdNumberMap(tmp_path / "m.db", KEY, retention=3600)
    ids.put(ID_A, ["HC99999999"])  # merged away since
    service = IdentityService(FakeCatalog(), object(), id_number_mode="mpi", mpi=mpi, id_map=ids)  # type: ignore[arg-type]
    _credential, exams = service.find_credential(Credential(CredentialKind.NATIONAL_ID, ID_A))
    assert {e.study_uid for e in exams} == {
        e.study_uid for e in EXAMS if e.patient_id == "HC00000002"
    }
    assert ids.get(ID_A) == ("HC00000002",)
    # Still nothing after asking again: no exams, and no loop.
    mpi.answers[ID_A] = ["HC99999999"]
    ids.put(ID_A, ["HC99999999"])
    with pytest.raises(NoExamsError):
        service.find_credential(Credential(CredentialKind.NATIONAL_ID, ID_A))
    assert len(mpi.asked) == 2


@pytest.mark.parametrize(
    ("mode", "found", "seconds", "level", "words"),
    [
        ("other_ids", 0, 0.05, selftest.Level.OK, "filtered by the server"),
        ("other_ids", 2, 0.05, selftest.Level.WARN, "every ID card will be refused"),
        ("patient_id", 2, 0.05, selftest.Level.WARN, 'id_number_mode = "mpi"'),
        ("other_ids", 0, 2.5, selftest.Level.WARN, "in 2.50 s: it reads its studies"),
        ("mpi", 1, 0.05, selftest.Level.WARN, "the MPI names 1 patient(s)"),
        ("mpi", 0, 2.5, selftest.Level.OK, "nothing found"),
    ],
)
def test_the_selftest_judges_the_probe(
    mode: str, found: int, seconds: float, level: selftest.Level, words: str
) -> None:
    ticks = iter([0.0, seconds])
    asked: list[str] = []

    def count(number: str) -> int:
        asked.append(number)
        return found

    check = selftest.check_id_lookup(mode, count, "the look-up", clock=lambda: next(ticks))
    (result,) = selftest.run([check], kiosk_id="t", version="0").results
    assert (result.name, result.level) == ("id_lookup", level)
    assert words in result.detail
    assert asked == [selftest.PROBE_ID_NUMBER]


class CountingSource:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def find_patient_ids(self, other_id: str) -> list[str]:
        self.asked.append(other_id)
        return ["HC00000001"] if other_id == ID_A else []


class DownMpi:
    def patient_ids(self, credential: Credential) -> list[str]:
        raise IdentityLookupError(service="MPI", detail="connection refused")


def test_with_an_mpi_beside_the_archive_search_the_mpi_goes_first() -> None:
    source = CountingSource()
    mpi = FakeLookup({ID_A: ["HC00000002"]})
    service = IdentityService(FakeCatalog(), source, id_number_mode="other_ids", mpi=mpi)  # type: ignore[arg-type]
    credential = Credential(CredentialKind.NATIONAL_ID, ID_A)
    assert {e.patient_id for e in service.find_credential(credential)[1]} == {"HC00000002"}
    assert source.asked == []
    # Unknown to the MPI: the archive is searched (and finds the OtherPatientIDs holder).
    mpi.answers.clear()
    assert {e.patient_id for e in service.find_credential(credential)[1]} == {"HC00000001"}
    assert source.asked == [ID_A]
    # The MPI down: the archive still answers.
    service.mpi = DownMpi()  # type: ignore[assignment]
    assert {e.patient_id for e in service.find_credential(credential)[1]} == {"HC00000001"}
    assert source.asked == [ID_A, ID_A]
