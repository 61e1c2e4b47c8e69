"""Identity resolution against real Orthanc and loopback MPI/platform servers.

Two patients share a name; one accession number was reused for both; the second patient's
studies must never appear when the first one is identified, whichever credential is used.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pydicom
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydicom.data import get_testdata_file

from kiosk_app.core.errors import BadStudyDataError, UnknownCodeError
from kiosk_app.core.models import CredentialKind
from kiosk_app.services.catalog import Catalog
from kiosk_app.services.identify import (
    HttpLookup,
    IdentityLookupError,
    IdentityService,
    NotRegisteredError,
    TokenVerifier,
    UsedTokens,
    code_rules,
)
from kiosk_app.sources.dicomweb import DicomWebSource
from tests.helpers.dicom_builders import image_series

pytestmark = pytest.mark.integration

ID_A = "110101199003071233"  # patient A's resident ID number (OtherPatientIDs)
ID_B = "11010519491231002X"  # patient B's
ID_C = "440524198001010013"  # patient C is registered under the ID number itself
EHC = "EHC:00112233445566778899AABBCCDDEEFF"
VOUCHER = "ybm" + "Q1w2E3r4T5y6U7i8O9p0" + "AbCd"
RULES = code_rules(
    accession_pattern=r"ACC[A-Z0-9]{2,12}",
    card_pattern=r"HC\d{8}",
    ehealth_pattern=r"EHC:[0-9A-F]{32}",
    voucher_pattern=r"ybm[A-Za-z0-9]{20,60}",
)


def _upload_study(orthanc: Any, pid: str, name: str, accession: str, others: list[str]) -> str:
    uid = pydicom.uid.generate_uid()
    ct = get_testdata_file("CT_small.dcm", download=False)
    for ds in image_series(
        ct, n=1, patient_id=pid, patient_name=name, accession=accession, study_uid=uid
    ):
        if others:
            ds.OtherPatientIDs = others
        orthanc.upload(ds)
    return uid


@pytest.fixture
def archive(orthanc: Any) -> dict[str, str]:
    return {
        "A1": _upload_study(orthanc, "HC00000001", "张^三", "ACCA1", [ID_A]),
        "A2": _upload_study(orthanc, "HC00000001", "张^三", "ACCA2", [ID_A]),
        "B1": _upload_study(orthanc, "HC00000002", "张^三", "ACCB1", [ID_B]),
        "RA": _upload_study(orthanc, "HC00000001", "张^三", "ACCREUSED", [ID_A]),
        "RB": _upload_study(orthanc, "HC00000002", "张^三", "ACCREUSED", [ID_B]),
        "C1": _upload_study(orthanc, ID_C, "王^五", "ACCC1", []),
    }


class _Lookup(BaseHTTPRequestHandler):
    answers: ClassVar[dict[tuple[str, str], list[str]]] = {}
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), **body}
        )
        ids = self.answers.get((body["kind"], body["value"]))
        if ids is None:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps({"patient_ids": ids}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def endpoints() -> Iterator[str]:
    _Lookup.answers = {
        ("national_id", ID_B): ["HC00000002"],
        ("ehealth_card", EHC): ["HC00000001"],
        ("insurance_voucher", VOUCHER): ["HC00000002"],
    }
    _Lookup.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Lookup)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _service(
    orthanc: Any, tmp_path: Path, key: Ed25519PrivateKey, base: str = "", mode: str = "other_ids"
) -> IdentityService:
    user, password = orthanc.auth
    source = DicomWebSource(orthanc.dicomweb_url, username=user, password=password)
    return IdentityService(
        Catalog(source),
        source,
        rules=RULES,
        id_number_mode=mode,
        mpi=HttpLookup(base + "/mpi", token="mpi-secret", timeout=3) if base else None,
        platform=HttpLookup(base + "/platform", timeout=3) if base else None,
        tokens=TokenVerifier(key.public_key(), UsedTokens(tmp_path / "used.db")),
    )


def _token(key: Ed25519PrivateKey, **claims: object) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    body = "KT1." + b64(json.dumps(claims).encode())
    return body + "." + b64(key.sign(body.encode()))


def _found(service: IdentityService, code: str) -> tuple[CredentialKind, set[str], set[str]]:
    credential, exams = service.find(code)
    return credential.kind, {e.study_uid for e in exams}, {e.patient_id for e in exams}


def test_accession_and_card_number(orthanc, archive, tmp_path, key) -> None:  # type: ignore[no-untyped-def]
    service = _service(orthanc, tmp_path, key)
    assert _found(service, "accb1") == (CredentialKind.ACCESSION, {archive["B1"]}, {"HC00000002"})
    kind, studies, patients = _found(service, "HC 0000 0001")
    assert kind is CredentialKind.HOSPITAL_CARD
    assert studies == {archive["A1"], archive["A2"], archive["RA"]}
    assert patients == {"HC00000001"}  # the namesake's studies are not there
    # The same card read from a magnetic stripe.
    assert _found(service, ";HC00000001=2912?")[1] == studies


def test_a_reused_accession_number_shows_nothing(orthanc, archive, tmp_path, key) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadStudyDataError):
        _service(orthanc, tmp_path, key).find("ACCREUSED")


def test_id_number_by_other_patient_ids(orthanc, archive, tmp_path, key) -> None:  # type: ignore[no-untyped-def]
    kind, studies, patients = _found(_service(orthanc, tmp_path, key), ID_A)
    assert kind is CredentialKind.NATIONAL_ID
    assert studies == {archive["A1"], archive["A2"], archive["RA"]}
    assert patients == {"HC00000001"}
    with pytest.raises(NotRegisteredError):
        _service(orthanc, tmp_path, key).find(ID_C)  # nobody lists it in OtherPatientIDs


def test_id_number_as_patient_id_including_a_legacy_number(orthanc, archive, tmp_path, key) -> None:  # type: ignore[no-untyped-def]
    service = _service(orthanc, tmp_path, key, mode="patient_id")
    assert _found(service, ID_C)[1:] == ({archive["C1"]}, {ID_C})
    assert _found(service, "440524800101001")[1:] == ({archive["C1"]}, {ID_C})


def test_id_number_through_the_mpi(orthanc, archive, tmp_path, key, endpoints) -> None:  # type: ignore[no-untyped-def]
    service = _service(orthanc, tmp_path, key, endpoints, mode="mpi")
    assert _found(service, ID_B)[1:] == ({archive["B1"], archive["RB"]}, {"HC00000002"})
    assert _Lookup.seen[-1] == {
        "path": "/mpi",
        "auth": "Bearer mpi-secret",
        "kind": "national_id",
        "value": ID_B,
    }
    with pytest.raises(NotRegisteredError):
        service.find(ID_A)


def test_e_health_card_and_e_voucher_through_the_platform(
    orthanc, archive, tmp_path, key, endpoints
) -> None:  # type: ignore[no-untyped-def]
    service = _service(orthanc, tmp_path, key, endpoints)
    assert _found(service, EHC) == (
        CredentialKind.EHEALTH_CARD,
        {archive["A1"], archive["A2"], archive["RA"]},
        {"HC00000001"},
    )
    assert _found(service, VOUCHER) == (
        CredentialKind.INSURANCE_VOUCHER,
        {archive["B1"], archive["RB"]},
        {"HC00000002"},
    )


def test_an_unreachable_mpi_is_a_lookup_error(orthanc, archive, tmp_path, key) -> None:  # type: ignore[no-untyped-def]
    service = _service(orthanc, tmp_path, key, "http://127.0.0.1:9", mode="mpi")
    with pytest.raises(IdentityLookupError) as info:
        service.find(ID_A)
    assert info.value.message_id == "identity.lookup_failed"


def test_a_signed_token_works_once(orthanc, archive, tmp_path, key) -> None:  # type: ignore[no-untyped-def]
    import time

    service = _service(orthanc, tmp_path, key)
    token = _token(key, jti="visit-42", pid="HC00000002", exp=int(time.time()) + 300)
    assert _found(service, token) == (
        CredentialKind.KIOSK_TOKEN,
        {archive["B1"], archive["RB"]},
        {"HC00000002"},
    )
    with pytest.raises(UnknownCodeError) as info:
        service.find(token)
    assert info.value.message_id == "code.token_used"
    # A token naming the reused accession number lists only its own patient's study.
    named = _token(
        key, jti="visit-43", pid="HC00000001", exp=int(time.time()) + 300, acc="ACCREUSED"
    )
    with pytest.raises(BadStudyDataError):
        service.find(named)


def test_an_id_card_on_the_reader_finds_its_holders_exams(orthanc, archive, tmp_path, key) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from drivers.idcard.serial_reader import SerialIdCardReader
    from drivers.idcard.simulator import SAMPLE_CARD, PtyIdCardSimulator

    service = _service(orthanc, tmp_path, key)
    with PtyIdCardSimulator() as sim, SerialIdCardReader(sim.port) as reader:
        sim.place(SAMPLE_CARD)  # 张三, 110101199003071233 = patient A's ID number
        card = reader.read_card()
        assert card is not None
        credential, exams = service.find_card(card.id_number)
        assert credential.kind is CredentialKind.NATIONAL_ID
        assert {e.study_uid for e in exams} == {archive["A1"], archive["A2"], archive["RA"]}
        assert {e.patient_id for e in exams} == {"HC00000001"}
        # A 2017 foreign permanent resident card's number is not taken for an exam slip.
        sim.place(dataclasses.replace(SAMPLE_CARD, id_number="ACCA1"))
        other = reader.read_card()
        assert other is not None
        with pytest.raises(UnknownCodeError) as info:
            service.find_card(other.id_number)
        assert info.value.message_id == "code.unknown_card"
