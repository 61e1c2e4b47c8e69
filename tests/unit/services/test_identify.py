"""Identity resolution with hand-written fakes: each credential path, tokens, the no-mixing rule."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk_app.core.credentials import CodeRules
from kiosk_app.core.errors import BadStudyDataError, NoExamsError, UnknownCodeError
from kiosk_app.core.models import Credential, CredentialKind, Exam
from kiosk_app.services.identify import (
    IdentityLookupError,
    IdentityService,
    NotRegisteredError,
    TokenVerifier,
    UsedTokens,
    code_rules,
)

ID_A = "110101199003071233"
RULES = CodeRules(
    hospital_card=r"HC\d{8}", ehealth_card=r"EHC:[0-9A-F]{16}", insurance_voucher=r"ybm\w{20}"
)


def _exam(uid: str, patient: str, accession: str, day: int = 1) -> Exam:
    return Exam(uid, accession, patient, "张^三", date(2026, 1, day), ("CT",), "")


EXAMS = [
    _exam("1.1", "HC00000001", "ACC001", 1),
    _exam("1.2", "HC00000001", "ACC002", 5),
    _exam("2.1", "HC00000002", "ACC003", 2),  # same name, another patient
    _exam("9.1", "HC00000001", "ACCDUP", 3),
    _exam("9.2", "HC00000002", "ACCDUP", 3),  # an accession number reused across patients
]


class FakeCatalog:
    def __init__(self) -> None:
        self.asked: list[Credential] = []

    def exams_for(self, credential: Credential) -> list[Exam]:
        self.asked.append(credential)
        if credential.kind is CredentialKind.ACCESSION:
            found = [e for e in EXAMS if e.accession_number == credential.value]
        else:
            found = [e for e in EXAMS if e.patient_id == credential.value]
        if not found:
            raise NoExamsError()
        return found


class FakeSource:
    def find_patient_ids(self, other_id: str) -> list[str]:
        return ["HC00000001"] if other_id == ID_A else []


class FakeLookup:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[Credential] = []

    def patient_ids(self, credential: Credential) -> list[str]:
        self.asked.append(credential)
        if credential.value not in self.answers:
            raise NotRegisteredError()
        return self.answers[credential.value]


def _service(tmp_path: Path, **kwargs: object) -> IdentityService:
    return IdentityService(FakeCatalog(), FakeSource(), rules=RULES, **kwargs)  # type: ignore[arg-type]


def _uids(exams: list[Exam]) -> list[str]:
    return [e.study_uid for e in exams]


def test_accession_lists_that_exam_only(tmp_path: Path) -> None:
    credential, exams = _service(tmp_path).find("acc002")
    assert credential.kind is CredentialKind.ACCESSION and _uids(exams) == ["1.2"]


def test_an_accession_number_naming_two_patients_shows_nothing(tmp_path: Path) -> None:
    with pytest.raises(BadStudyDataError):
        _service(tmp_path).find("ACCDUP")


def test_a_hospital_card_is_the_patient_id_newest_first(tmp_path: Path) -> None:
    _, exams = _service(tmp_path).find("HC00000001")
    assert _uids(exams) == ["1.2", "9.1", "1.1"]
    assert {e.patient_id for e in exams} == {"HC00000001"}


def test_id_number_through_other_patient_ids(tmp_path: Path) -> None:
    service = _service(tmp_path, id_number_mode="other_ids")
    _, exams = service.find(ID_A)
    assert {e.patient_id for e in exams} == {"HC00000001"}  # not the namesake HC00000002
    with pytest.raises(NotRegisteredError) as info:
        service.find("11010519491231002X")
    assert info.value.message_id == "identity.not_registered"


def test_id_number_as_patient_id_and_through_the_mpi(tmp_path: Path) -> None:
    with pytest.raises(NoExamsError):
        _service(tmp_path, id_number_mode="patient_id").find(ID_A)
    mpi = FakeLookup({ID_A: ["HC00000002"]})
    _, exams = _service(tmp_path, id_number_mode="mpi", mpi=mpi).find(ID_A)
    assert _uids(exams) == ["9.2", "2.1"]
    assert mpi.asked == [Credential(CredentialKind.NATIONAL_ID, ID_A)]
    with pytest.raises(IdentityLookupError):
        _service(tmp_path, id_number_mode="mpi").find(ID_A)  # no MPI configured


def test_e_health_and_e_voucher_go_to_the_platform(tmp_path: Path) -> None:
    platform = FakeLookup({"EHC:0123456789ABCDEF": ["HC00000002"]})
    service = _service(tmp_path, platform=platform)
    credential, exams = service.find("EHC:0123456789ABCDEF")
    assert credential.kind is CredentialKind.EHEALTH_CARD
    assert {e.patient_id for e in exams} == {"HC00000002"}
    with pytest.raises(NotRegisteredError):
        service.find("ybm" + "x" * 20)
    with pytest.raises(UnknownCodeError) as info:
        _service(tmp_path).find("EHC:0123456789ABCDEF")
    assert info.value.message_id == "code.not_supported"


class ImpostorCatalog(FakeCatalog):
    def exams_for(self, credential: Credential) -> list[Exam]:
        return [*super().exams_for(credential), EXAMS[2]]


def test_a_stray_exam_of_another_patient_stops_the_visit(tmp_path: Path) -> None:
    service = IdentityService(ImpostorCatalog(), FakeSource(), rules=RULES)
    with pytest.raises(BadStudyDataError):
        service.find("HC00000001")


def test_bad_patterns_are_named() -> None:
    with pytest.raises(ValueError, match=r"identity\.card_pattern"):
        code_rules(accession_pattern="A+", card_pattern="HC(")


# --------------------------------------------------------------------------- tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(key: Ed25519PrivateKey, **claims: object) -> str:
    body = "KT1." + _b64(json.dumps(claims).encode())
    return body + "." + _b64(key.sign(body.encode()))


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _verifier(key: Ed25519PrivateKey, path: Path, now: float = 1_000_000.0) -> TokenVerifier:
    return TokenVerifier(
        key.public_key(), UsedTokens(path, clock=lambda: now), leeway=30, clock=lambda: now
    )


def test_a_token_lists_its_patients_exams_once_even_across_a_restart(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    token = make_token(key, jti="t-1", pid="HC00000001", exp=1_000_100)
    db = tmp_path / "used.db"
    service = _service(tmp_path, tokens=_verifier(key, db))
    credential, exams = service.find(token)
    assert credential.kind is CredentialKind.KIOSK_TOKEN
    assert {e.patient_id for e in exams} == {"HC00000001"}
    with pytest.raises(UnknownCodeError) as info:
        service.find(token)
    assert info.value.message_id == "code.token_used"
    restarted = _service(tmp_path, tokens=_verifier(key, db))
    with pytest.raises(UnknownCodeError) as info:
        restarted.find(token)
    assert info.value.message_id == "code.token_used"


def test_a_token_is_not_used_up_when_the_exams_could_not_be_listed(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    token = make_token(key, jti="t-2", pid="HC99999999", exp=1_000_100)
    service = _service(tmp_path, tokens=_verifier(key, tmp_path / "used.db"))
    for _ in range(2):
        with pytest.raises(NoExamsError):
            service.find(token)


def test_a_token_naming_an_exam_lists_that_exam_of_that_patient_only(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    service = _service(tmp_path, tokens=_verifier(key, tmp_path / "used.db"))
    token = make_token(key, jti="t-3", pid="HC00000001", exp=1_000_100, acc="ACC002")
    assert _uids(service.find(token)[1]) == ["1.2"]
    other = make_token(key, jti="t-4", pid="HC00000001", exp=1_000_100, acc="ACC003")
    with pytest.raises(BadStudyDataError):
        service.find(other)


@pytest.mark.parametrize(
    ("mutate", "message_id"),
    [
        (
            lambda k, other: make_token(k, jti="x", pid="HC00000001", exp=999_000),
            "code.token_expired",
        ),
        (
            lambda k, other: make_token(other, jti="x", pid="HC00000001", exp=1_000_100),
            "code.bad_token",
        ),
        (lambda k, other: make_token(k, jti="x", pid="../etc", exp=1_000_100), "code.bad_token"),
        (lambda k, other: make_token(k, jti="x", pid="HC1", exp="soon"), "code.bad_token"),
        (lambda k, other: make_token(k, pid="HC00000001", exp=1_000_100), "code.bad_token"),
    ],
    ids=["expired", "forged", "unsafe-pid", "bad-exp", "no-id"],
)
def test_bad_tokens_are_refused_with_their_own_message(
    tmp_path: Path, key: Ed25519PrivateKey, mutate: object, message_id: str
) -> None:
    token = mutate(key, Ed25519PrivateKey.generate())  # type: ignore[operator]
    with pytest.raises(UnknownCodeError) as info:
        _verifier(key, tmp_path / "used.db").verify(token)
    assert info.value.message_id == message_id


def test_tokens_are_refused_where_no_public_key_is_configured(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    token = make_token(key, jti="t-5", pid="HC00000001", exp=1_000_100)
    with pytest.raises(UnknownCodeError) as info:
        _service(tmp_path).find(token)
    assert info.value.message_id == "code.not_supported"


def test_public_key_from_a_pem_file(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    pem = tmp_path / "token.pub"
    pem.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    verifier = TokenVerifier.from_pem_file(pem, UsedTokens(tmp_path / "u.db"))
    token = make_token(key, jti="t-6", pid="HC00000001", exp=4_000_000_000)
    assert verifier.verify(token).patient_id == "HC00000001"


_KEY = Ed25519PrivateKey.generate()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(alphabet="abcXYZ019-_.", max_size=120))
def test_fuzzed_tokens_raise_only_unknown_code_errors(text: str, tail: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        verifier = _verifier(_KEY, Path(folder) / "used.db")
        for token in (text, "KT1." + tail, "KT1." + _b64(text.encode()) + "." + tail):
            with pytest.raises(UnknownCodeError):
                verifier.verify(token)


def test_an_unusable_public_key_is_a_configuration_error(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

    used = UsedTokens(tmp_path / "u.db")
    with pytest.raises(ValueError, match="No such file"):
        TokenVerifier.from_pem_file(tmp_path / "missing.pem", used)
    (tmp_path / "junk.pem").write_text("junk")
    with pytest.raises(ValueError, match="not a PEM key"):
        TokenVerifier.from_pem_file(tmp_path / "junk.pem", used)
    ec = tmp_path / "ec.pem"
    ec.write_bytes(
        generate_private_key(SECP256R1())
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="not an Ed25519 key"):
        TokenVerifier.from_pem_file(ec, used)
