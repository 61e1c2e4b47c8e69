"""Identity resolution: from what the patient presented to that patient's exams, and only theirs.

* accession number: the studies with that AccessionNumber (one patient, or refused);
* hospital card number: the PatientID itself;
* resident ID number, per ``identity.id_number_mode``: the PatientID itself, the PatientIDs of
  studies listing it in OtherPatientIDs (the MPI first when ``mpi_url`` is set; a search the
  server filters; see
  :meth:`DicomWebSource.find_patient_ids`), or the hospital MPI's answer; what the last two
  found is kept in :class:`IdNumberMap` (hashed ID number -> PatientIDs), so the patient's next
  visit within the cache's retention asks the cloud for the studies only;
* e-health card / insurance e-voucher QR: the platform endpoint's answer;
* kiosk token: verified offline (Ed25519 signature, expiry) and used once; it names the
  PatientID (and optionally one accession number).

Whatever the path, every exam handed on belongs to one of the resolved PatientIDs; anything
else stops the visit rather than risk showing another patient's exams.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from kiosk_app.core.credentials import (
    TOKEN_PREFIX,
    CodeRules,
    credential_from_card,
    parse_code,
)
from kiosk_app.core.errors import BadStudyDataError, KioskError, NoExamsError, UnknownCodeError
from kiosk_app.core.models import Credential, CredentialKind, Exam
from kiosk_app.logs import patient_ref

if TYPE_CHECKING:
    from kiosk_app.settings import IdentitySection

log = logging.getLogger(__name__)

_PATIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class IdentityLookupError(KioskError):
    """The MPI or the platform could not be asked, or answered something unusable."""

    message_id = "identity.lookup_failed"
    exit_code = 5


class NotRegisteredError(NoExamsError):
    """The credential is valid but names no patient of this hospital."""

    message_id = "identity.not_registered"


@dataclass(frozen=True)
class Identity:
    """Who the credential turned out to be."""

    credential: Credential
    patient_ids: tuple[str, ...]
    """The PatientIDs whose studies may be shown (several only when one person has several)."""
    accession: str = ""
    """Set when the credential names one exam (an exam slip, or a token naming one)."""
    via: str = ""
    """How it was resolved, for logs: accession, patient_id, other_ids, mpi, platform, token."""
    token_id: str = ""


@runtime_checkable
class PatientIdIndex(Protocol):
    """A study source that can find PatientIDs by OtherPatientIDs."""

    def find_patient_ids(self, other_id: str) -> list[str]: ...


class ExamFinder(Protocol):
    """What identity needs of the catalog."""

    def exams_for(self, credential: Credential) -> list[Exam]: ...


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class TokenClaims:
    """What a verified kiosk token says."""

    token_id: str
    patient_id: str
    expires_at: float
    accession: str = ""


class UsedTokens:
    """Token ids already used, kept in SQLite so a restart does not allow a replay."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS used_tokens ("
            " token_id TEXT PRIMARY KEY, used_at REAL NOT NULL, expires_at REAL NOT NULL)"
        )

    def seen(self, token_id: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM used_tokens WHERE token_id = ?", (token_id,)
            ).fetchone()
        return row is not None

    def use(self, token_id: str, expires_at: float, keep_for: float = 86400.0) -> bool:
        """Record the token as used; False when it was used before."""
        now = self.clock()
        with self._lock:
            # Rows are kept a day past expiry; after that the expiry check alone refuses them.
            self._db.execute("DELETE FROM used_tokens WHERE expires_at < ?", (now - keep_for,))
            try:
                self._db.execute(
                    "INSERT INTO used_tokens (token_id, used_at, expires_at) VALUES (?, ?, ?)",
                    (token_id, now, expires_at),
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def close(self) -> None:
        self._db.close()


class TokenVerifier:
    """Checks ``KT1.<payload>.<signature>`` tokens offline.

    ``payload`` is base64url JSON ``{"jti": id, "pid": PatientID, "exp": unix time, "acc":
    optional accession}``; ``signature`` is the cloud's Ed25519 signature of the ASCII bytes
    ``KT1.<payload>``.
    """

    def __init__(
        self,
        public_key: Ed25519PublicKey,
        used: UsedTokens,
        *,
        leeway: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.public_key = public_key
        self.used = used
        self.leeway = leeway
        self.clock = clock

    @classmethod
    def from_pem_file(cls, path: Path, used: UsedTokens, **kwargs: float) -> TokenVerifier:
        """The verifier for the PEM public key at ``path``; ValueError says what is wrong."""
        try:
            key = load_pem_public_key(path.read_bytes())
        except OSError as exc:
            raise ValueError(f"identity.token_public_key: {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise ValueError(f"identity.token_public_key: {path}: not a PEM key ({exc})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"identity.token_public_key: {path}: not an Ed25519 key")
        return cls(key, used, **kwargs)  # type: ignore[arg-type]

    def verify(self, token: str) -> TokenClaims:
        """The claims of a genuine, unexpired, unused token; UnknownCodeError otherwise."""
        try:
            prefix, payload, signature = token.split(".")
            signed = f"{prefix}.{payload}".encode("ascii")
            self.public_key.verify(_b64url(signature), signed)
            claims = json.loads(_b64url(payload))
        except (ValueError, binascii.Error, InvalidSignature, UnicodeError):
            raise UnknownCodeError("code.bad_token") from None
        if f"{prefix}." != TOKEN_PREFIX or not isinstance(claims, dict):
            raise UnknownCodeError("code.bad_token")
        token_id, patient_id = claims.get("jti"), claims.get("pid")
        expires_at, accession = claims.get("exp"), claims.get("acc", "")
        if (
            not isinstance(token_id, str)
            or not token_id
            or not isinstance(patient_id, str)
            or not _PATIENT_ID.match(patient_id)
            or isinstance(expires_at, bool)
            or not isinstance(expires_at, int | float)
            or not isinstance(accession, str)
        ):
            raise UnknownCodeError("code.bad_token")
        if self.clock() > float(expires_at) + self.leeway:
            raise UnknownCodeError("code.token_expired")
        if self.used.seen(token_id):
            raise UnknownCodeError("code.token_used")
        return TokenClaims(token_id, patient_id, float(expires_at), accession.upper())

    def consume(self, claims: TokenClaims) -> None:
        """Mark the token used (after the patient's exams were listed)."""
        if not self.used.use(claims.token_id, claims.expires_at):
            raise UnknownCodeError("code.token_used")


# --------------------------------------------------------------------------- ID-number map


class IdNumberMap:
    """ID number -> PatientIDs as the archive or the MPI last answered, in SQLite.

    The row's key is HMAC-SHA256 of the ID number under the kiosk's patient-ref key
    (``<data_dir>/patient-ref.key``, 0600, the retention's), so the file names no ID number
    and none can be found by hashing every possible one without the key. PatientIDs are kept
    ``retention`` seconds (``[cache] retention_days``: patient data at rest like the cached
    exams), then purged.
    """

    def __init__(
        self, path: Path, key: bytes, *, retention: float, clock: Callable[[], float] = time.time
    ) -> None:
        if not key:
            raise ValueError("the ID-number map needs a key")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.retention = retention
        self.clock = clock
        self._key = key
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        # A purged row's PatientIDs are overwritten, not left in a free page (nor in a WAL:
        # the default rollback journal is deleted at each commit).
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS id_numbers ("
            " key TEXT PRIMARY KEY, patient_ids TEXT NOT NULL, stored_at REAL NOT NULL)"
        )
        self.purge()

    def _hash(self, id_number: str) -> str:
        value = id_number.strip().upper().encode("utf-8")
        return hmac.new(self._key, value, hashlib.sha256).hexdigest()

    def get(self, id_number: str) -> tuple[str, ...]:
        """The PatientIDs stored for ``id_number`` within the retention; () when none."""
        with self._lock:
            row = self._db.execute(
                "SELECT patient_ids FROM id_numbers WHERE key = ? AND stored_at >= ?",
                (self._hash(id_number), self.clock() - self.retention),
            ).fetchone()
        return tuple(json.loads(row[0])) if row else ()

    def put(self, id_number: str, patient_ids: Sequence[str]) -> None:
        self.purge()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO id_numbers (key, patient_ids, stored_at) VALUES (?, ?, ?)",
                (self._hash(id_number), json.dumps(sorted(patient_ids)), self.clock()),
            )

    def forget(self, id_number: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM id_numbers WHERE key = ?", (self._hash(id_number),))

    def purge(self) -> int:
        """Drop the rows older than the retention; how many."""
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM id_numbers WHERE stored_at < ?", (self.clock() - self.retention,)
            )
        return cursor.rowcount

    def close(self) -> None:
        self._db.close()


# --------------------------------------------------------------------------- HTTP lookups


class HttpLookup:
    """A hospital endpoint that maps a credential to PatientIDs (the MPI, or the platform).

    ``POST url`` with ``{"kind": ..., "value": ...}`` answers ``{"patient_ids": [...]}``
    (or ``{"patient_id": "..."}``); 404 or an empty list means the hospital does not know the
    person. The value travels in the body, never in the URL, so it stays out of access logs.
    """

    def __init__(self, url: str, *, token: str = "", timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def patient_ids(self, credential: Credential) -> list[str]:
        try:
            response = self.http.post(
                self.url,
                json={"kind": credential.kind.value, "value": credential.value},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise IdentityLookupError(service=self.url, detail=type(exc).__name__) from None
        if response.status_code == 404:
            raise NotRegisteredError()
        if response.status_code >= 400:
            raise IdentityLookupError(service=self.url, detail=f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise IdentityLookupError(service=self.url, detail="answer is not JSON") from None
        if not isinstance(body, dict):
            raise IdentityLookupError(service=self.url, detail="answer is not a JSON object")
        ids = body.get("patient_ids")
        if ids is None and "patient_id" in body:
            ids = [body["patient_id"]] if body["patient_id"] else []
        if not isinstance(ids, list) or not all(
            isinstance(i, str) and _PATIENT_ID.match(i) for i in ids
        ):
            raise IdentityLookupError(service=self.url, detail="answer has no usable patient_ids")
        if not ids:
            raise NotRegisteredError()
        return sorted(set(ids))


# --------------------------------------------------------------------------- the service


def code_rules(
    *,
    accession_pattern: str,
    card_pattern: str = "",
    ehealth_pattern: str = "",
    voucher_pattern: str = "",
    legacy_id_numbers: bool = True,
) -> CodeRules:
    """CodeRules from settings values; ValueError names a pattern that does not compile."""
    for name, pattern in (
        ("accession_pattern", accession_pattern),
        ("card_pattern", card_pattern),
        ("ehealth_pattern", ehealth_pattern),
        ("voucher_pattern", voucher_pattern),
    ):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(
                f"identity.{name}: {pattern!r} is not a regular expression ({exc})"
            ) from None
    return CodeRules(
        accession=accession_pattern,
        hospital_card=card_pattern,
        ehealth_card=ehealth_pattern,
        insurance_voucher=voucher_pattern,
        legacy_id_numbers=legacy_id_numbers,
    )


class IdentityService:
    """Parses codes and resolves them to one patient's exams."""

    def __init__(
        self,
        catalog: ExamFinder,
        source: object,
        *,
        rules: CodeRules | None = None,
        id_number_mode: str = "other_ids",
        mpi: HttpLookup | None = None,
        platform: HttpLookup | None = None,
        tokens: TokenVerifier | None = None,
        id_map: IdNumberMap | None = None,
    ) -> None:
        if id_number_mode not in ("patient_id", "other_ids", "mpi"):
            raise ValueError(f"unknown id_number_mode {id_number_mode!r}")
        self.catalog = catalog
        self.source = source
        self.rules = rules or CodeRules()
        self.id_number_mode = id_number_mode
        self.mpi = mpi
        self.platform = platform
        self.tokens = tokens
        self.id_map = id_map

    def parse(self, raw: str) -> Credential:
        return parse_code(raw, self.rules)

    def resolve(self, credential: Credential) -> tuple[Identity, TokenClaims | None]:
        """Who ``credential`` names. Raises UnknownCodeError, NotRegisteredError or
        IdentityLookupError (all with message ids)."""
        kind = credential.kind
        if kind is CredentialKind.ACCESSION:
            return Identity(credential, (), credential.value, "accession"), None
        if kind in (CredentialKind.HOSPITAL_CARD, CredentialKind.PATIENT_ID):
            return Identity(credential, (credential.value,), via="patient_id"), None
        if kind is CredentialKind.NATIONAL_ID:
            return self._by_id_number(credential), None
        if kind in (CredentialKind.EHEALTH_CARD, CredentialKind.INSURANCE_VOUCHER):
            if self.platform is None:
                raise UnknownCodeError("code.not_supported", kind=kind.value)
            ids = self.platform.patient_ids(credential)
            return Identity(credential, tuple(ids), via="platform"), None
        if kind is CredentialKind.KIOSK_TOKEN:
            if self.tokens is None:
                raise UnknownCodeError("code.not_supported", kind=kind.value)
            claims = self.tokens.verify(credential.value)
            identity = Identity(
                credential, (claims.patient_id,), claims.accession, "token", claims.token_id
            )
            return identity, claims
        raise UnknownCodeError("code.not_supported", kind=kind.value)  # pragma: no cover

    def _by_id_number(self, credential: Credential) -> Identity:
        if self.id_number_mode == "patient_id":
            return Identity(credential, (credential.value,), via="patient_id")
        if self.id_map is not None:
            known = self.id_map.get(credential.value)
            if known:
                return Identity(credential, known, via="id_map")
        identity = self._ask_for_id_number(credential)
        if self.id_map is not None:
            self.id_map.put(credential.value, identity.patient_ids)
        return identity

    def _ask_for_id_number(self, credential: Credential) -> Identity:
        if self.id_number_mode == "mpi":
            if self.mpi is None:
                raise IdentityLookupError(service="MPI", detail="identity.mpi_url is not set")
            return Identity(credential, tuple(self.mpi.patient_ids(credential)), via="mpi")
        if self.mpi is not None:
            # An MPI is configured beside the archive search: it answers in one small request
            # whatever the archive's size, so it goes first; the archive is searched for what
            # it does not know (registered before it, another campus) or while it is down.
            try:
                return Identity(credential, tuple(self.mpi.patient_ids(credential)), via="mpi")
            except NotRegisteredError:
                log.info("identity: the MPI does not know the ID number; searching the cloud")
            except IdentityLookupError as exc:
                log.warning("identity: MPI unavailable (%s); searching the cloud", exc)
        if not isinstance(self.source, PatientIdIndex):
            raise IdentityLookupError(
                service=type(self.source).__name__, detail="cannot search OtherPatientIDs"
            )
        ids = self.source.find_patient_ids(credential.value)
        if not ids:
            raise NotRegisteredError()
        return Identity(credential, tuple(ids), via="other_ids")

    def find(self, raw: str) -> tuple[Credential, list[Exam]]:
        """Parse, resolve and list the exams, newest first; the same contract as
        ``VisitService.find``. Raises KioskError subclasses with message ids."""
        return self.find_credential(self.parse(raw))

    def find_card(self, id_number: str) -> tuple[Credential, list[Exam]]:
        """The exams of the person whose ID card the reader read."""
        return self.find_credential(credential_from_card(id_number))

    def find_credential(self, credential: Credential) -> tuple[Credential, list[Exam]]:
        identity, claims = self.resolve(credential)
        try:
            exams = self.exams_for(identity)
        except NoExamsError:
            if identity.via != "id_map" or self.id_map is None:
                raise
            # The PatientIDs remembered have no exams (any more): ask again.
            self.id_map.forget(credential.value)
            identity, claims = self.resolve(credential)
            exams = self.exams_for(identity)
        if claims is not None and self.tokens is not None:
            self.tokens.consume(claims)
        log.info(
            "identity: %s via %s -> %s, %d exam(s)",
            credential.kind.value,
            identity.via,
            ",".join(patient_ref(p) for p in identity.patient_ids) or "-",
            len(exams),
        )
        return credential, exams

    def exams_for(self, identity: Identity) -> list[Exam]:
        exams: list[Exam] = []
        if identity.accession:
            exams = self.catalog.exams_for(Credential(CredentialKind.ACCESSION, identity.accession))
            if identity.patient_ids and {e.patient_id for e in exams} - set(identity.patient_ids):
                # A token naming an exam of someone else: never show it.
                raise BadStudyDataError(detail="the exam named belongs to another patient")
        else:
            seen: set[str] = set()
            for patient_id in identity.patient_ids:
                try:
                    found = self.catalog.exams_for(
                        Credential(CredentialKind.PATIENT_ID, patient_id)
                    )
                except NoExamsError:
                    continue
                for exam in found:
                    if exam.study_uid not in seen:
                        seen.add(exam.study_uid)
                        exams.append(exam)
            exams.sort(key=lambda e: (e.study_date is not None, e.study_date), reverse=True)
        _only_these_patients(exams, identity)
        if not exams:
            raise NoExamsError()
        return exams


def _only_these_patients(exams: Sequence[Exam], identity: Identity) -> None:
    patients = {e.patient_id for e in exams}
    allowed = set(identity.patient_ids)
    if identity.accession and not allowed:
        allowed = patients if len(patients) == 1 else set()
    if patients - allowed:
        raise BadStudyDataError(detail="an exam of another patient was found; nothing is shown")


def from_settings(
    section: IdentitySection,
    data_dir: Path,
    catalog: ExamFinder,
    source: object,
    *,
    map_key: bytes = b"",
    map_retention: float = 7 * 86400.0,
) -> IdentityService:
    """The service as ``[identity]`` configures it (ValueError names a bad pattern or key)."""
    rules = code_rules(
        accession_pattern=section.accession_pattern,
        card_pattern=section.card_pattern,
        ehealth_pattern=section.ehealth_pattern,
        voucher_pattern=section.voucher_pattern,
        legacy_id_numbers=section.legacy_id_numbers,
    )

    def lookup(url: str) -> HttpLookup | None:
        if not url:
            return None
        return HttpLookup(url, token=section.endpoint_token, timeout=section.endpoint_timeout)

    tokens = None
    if section.token_public_key is not None:
        tokens = TokenVerifier.from_pem_file(
            section.token_public_key,
            UsedTokens(data_dir / "used-tokens.db"),
            leeway=section.token_leeway,
        )
    id_map = None
    if section.id_map and map_key and section.id_number_mode != "patient_id":
        id_map = IdNumberMap(data_dir / "id-numbers.db", map_key, retention=map_retention)
    return IdentityService(
        catalog,
        source,
        rules=rules,
        id_number_mode=section.id_number_mode,
        mpi=lookup(section.mpi_url),
        platform=lookup(section.platform_url),
        tokens=tokens,
        id_map=id_map,
    )
