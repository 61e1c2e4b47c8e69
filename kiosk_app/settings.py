"""Typed, validated settings: one TOML file, environment overrides per key, a default for each.

Where settings come from, later sources winning:

1. the defaults documented on each field below;
2. the demo profile, with ``--demo`` (local archive, printers writing PDFs into a folder);
3. the TOML file: ``--config FILE``, else ``$KIOSK_CONFIG``, else ``/etc/kiosk/kiosk.toml``
   when it exists;
4. environment variables, one per key: ``KIOSK_<SECTION>__<KEY>`` in upper case, for example
   ``KIOSK_CLOUD__URL`` or ``KIOSK_PRINTERS__FILM__QUEUE``.

A bad value stops the program with one line naming the key, the value and what was expected
(:class:`SettingsError`, exit code 2). ``docs/configuration.md`` is generated from the fields
here (``python -m kiosk_app.settings --markdown``), so the reference cannot drift.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")
ENV_PREFIX = "KIOSK_"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_ARCHIVE = REPO_ROOT / "assets" / "demo" / "archive"
VOICE_PROMPTS = REPO_ROOT / "assets" / "voice"


class SettingsError(Exception):
    """A settings file or value is wrong. ``str()`` is the one line shown to the user."""

    exit_code = 2


def _doc(text: str, **extra: Any) -> dict[str, Any]:
    return {"doc": text, **extra}


def _default_data_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/kiosk")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kiosk"


@dataclass(frozen=True)
class KioskSection:
    """[kiosk]: who this kiosk is and where it keeps its state."""

    id: str = field(default="kiosk-01", metadata=_doc("Name the monitoring centre knows it by."))
    hospital_name: str = field(
        default="示例人民医院", metadata=_doc("Shown on screens and printed on films.")
    )
    data_dir: Path = field(
        default_factory=_default_data_dir,
        metadata=_doc(
            "Database, cache and demo output. Default /var/lib/kiosk as root, "
            "else $XDG_DATA_HOME/kiosk (~/.local/share/kiosk)."
        ),
    )
    log_dir: Path | None = field(
        default=None, metadata=_doc("Rotating log files. Default: <data_dir>/log.")
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = field(
        default="INFO",
        metadata=_doc("Patient names and IDs appear in logs only at DEBUG, and only as hashes."),
    )
    language: Literal["zh_CN", "en"] = field(
        default="zh_CN", metadata=_doc("Language of patient screens at start-up.")
    )


@dataclass(frozen=True)
class LogsSection:
    """[logs]: how log lines are written (where, and from which level: [kiosk])."""

    format: Literal["text", "json"] = field(
        default="text",
        metadata=_doc(
            "`text` (one readable line per record) or `json` (one JSON object per line with "
            "ECS field names, @timestamp, log.level, event.action, kiosk.id..., for the "
            "centre's ELK or Loki). The same patient-data rules apply to both."
        ),
    )


@dataclass(frozen=True)
class CloudSection:
    """[cloud]: where exams come from."""

    kind: Literal["dicomweb", "local"] = field(
        default="dicomweb",
        metadata=_doc("`dicomweb` (the imaging cloud) or `local` (a folder of DICOM files)."),
    )
    url: str = field(
        default="http://127.0.0.1:8042/dicom-web",
        metadata=_doc("DICOMweb service root (QIDO-RS and WADO-RS under it)."),
    )
    username: str = field(default="", metadata=_doc("HTTP basic user; empty for none."))
    password: str = field(default="", metadata=_doc("HTTP basic password.", secret=True))
    token: str = field(
        default="", metadata=_doc("Bearer token; used instead of basic auth when set.", secret=True)
    )
    ca_bundle: Path | None = field(
        default=None, metadata=_doc("CA bundle for TLS; default: the system's.")
    )
    connect_timeout: float = field(
        default=3.0, metadata=_doc("Seconds to wait for a connection.", minimum=0.1)
    )
    read_timeout: float = field(
        default=10.0, metadata=_doc("Seconds to wait for each answer.", minimum=0.1)
    )
    max_parallel: int = field(
        default=4, metadata=_doc("Instances fetched at once.", minimum=1, maximum=32)
    )
    stored_syntax: bool = field(
        default=True,
        metadata=_doc(
            "Ask for instances in the transfer syntax they are stored in "
            "(WADO-RS `transfer-syntax=*`): compressed images come compressed and the kiosk "
            "decodes them. false: the server chooses; Orthanc then decompresses every image "
            "to Explicit VR Little Endian (a lossless CT: about 2.4 times the bytes).",
        ),
    )
    qido_page_size: int = field(
        default=1000,
        metadata=_doc(
            "Results asked for per QIDO-RS request (`limit`); a search is followed page by "
            "page (`offset`), also past a server's own smaller maximum (Warning 299).",
            minimum=1,
            maximum=100000,
        ),
    )
    qido_max_results: int = field(
        default=20000,
        metadata=_doc(
            "A search (a study's instances, a patient's studies) with more results than "
            "this is refused with an error instead of followed on; also caps pages to "
            "qido_max_results / 10, at least 100, against a server that pages badly.",
            minimum=1,
        ),
    )
    max_patient_studies: int = field(
        default=1000,
        metadata=_doc(
            "The same cap for the searches of one patient's, one exam's or one ID number's "
            "studies: the server must filter these, and one that does not is refused at the "
            "cap (the ID-number search at its first page) instead of handing the kiosk its "
            "archive.",
            minimum=1,
        ),
    )
    client_cert: Path | None = field(
        default=None, metadata=_doc("PEM client certificate for TLS client authentication.")
    )
    client_key: Path | None = field(
        default=None, metadata=_doc("PEM key of client_cert, when not inside that file.")
    )
    retries: int = field(
        default=2,
        metadata=_doc(
            "Further attempts of a read after a connection failure, time-out or 502/503/504.",
            minimum=0,
            maximum=10,
        ),
    )
    backoff: float = field(
        default=0.25,
        metadata=_doc("Seconds: base of the exponential back-off (with jitter).", minimum=0),
    )
    archive_dir: Path = field(
        default=DEMO_ARCHIVE, metadata=_doc("With kind = local: the folder of DICOM files.")
    )


# A DICOM Code String: upper-case letters, digits, space and underscore, 16 at most.
_CS = r"[A-Z0-9_ ]{1,16}"
_CS_EXPECTED = "a DICOM code string (A-Z, 0-9, space, _; 16 characters at most)"


@dataclass(frozen=True)
class PrinterSection:
    """[printers.report] / [printers.film]: one printer."""

    backend: Literal["cups", "folder", "dicom"] = field(
        default="cups",
        metadata=_doc(
            "`cups` (a CUPS queue), `folder` (writes PDFs into output_dir) or, for the film "
            "printer only, `dicom` (a DICOM Basic Grayscale Print SCP)."
        ),
    )
    queue: str = field(default="", metadata=_doc("CUPS queue name."))
    device_uri: str = field(
        default="",
        metadata=_doc(
            "With backend = cups: the printer's device URI (ipp://, ipps://, socket://, usb://); "
            "`kiosk setup` and the package create the queue with it when it is missing. "
            "Empty: the queue must already exist."
        ),
    )
    cups_model: str = field(
        default="everywhere",
        metadata=_doc(
            "With device_uri: the lpadmin model: `everywhere` (IPP Everywhere, asks the "
            "printer itself), `raw`, or a PPD name from `lpinfo -m`."
        ),
    )
    output_dir: Path | None = field(
        default=None,
        metadata=_doc("With backend = folder: where PDFs go. Default <data_dir>/output."),
    )
    duplex: bool = field(
        default=False, metadata=_doc("Reports: print on both sides (long edge), if it can.")
    )
    ae_title: str = field(
        default="KIOSKPRINT", metadata=_doc("With backend = dicom: the printer's AE title.")
    )
    host: str = field(default="127.0.0.1", metadata=_doc("With backend = dicom: its address."))
    port: int = field(
        default=104, metadata=_doc("With backend = dicom: its port.", minimum=1, maximum=65535)
    )
    calling_ae_title: str = field(
        default="KIOSK", metadata=_doc("With backend = dicom: the kiosk's own AE title.")
    )
    medium_type: str = field(
        default="BLUE FILM",
        metadata=_doc(
            "With backend = dicom: Medium Type (PAPER, CLEAR FILM, BLUE FILM, MAMMO CLEAR FILM, "
            "MAMMO BLUE FILM, or a term the printer's conformance statement adds).",
            pattern=_CS,
            expected=_CS_EXPECTED,
        ),
    )
    film_destination: str = field(
        default="PROCESSOR",
        metadata=_doc(
            "With backend = dicom: Film Destination (MAGAZINE, PROCESSOR, BIN_1, BIN_2...).",
            pattern=_CS,
            expected=_CS_EXPECTED,
        ),
    )
    timeout: float = field(
        default=60.0,
        metadata=_doc(
            "With backend = dicom: seconds to wait for each answer (a print may take a while). "
            "A printer silent that long is reported in one line naming the request.",
            minimum=1,
        ),
    )
    transfer_syntaxes: tuple[Literal["implicit", "explicit"], ...] = field(
        default=("implicit", "explicit"),
        metadata=_doc(
            "With backend = dicom: the transfer syntaxes offered, each in a presentation "
            "context of its own, most preferred first; films go in the first one the printer "
            "accepts. Implicit VR Little Endian first: every DICOM printer must decode it. "
            '`["implicit"]` pins it for an old printer that accepts Explicit VR but never '
            'answers in it; `["explicit", "implicit"]` prefers Explicit. In the environment: '
            "comma-separated.",
            min_items=1,
        ),
    )
    presentation_lut: Literal["", "IDENTITY", "LIN OD"] = field(
        default="",
        metadata=_doc(
            "With backend = dicom: Presentation LUT Shape to create and reference from each "
            "film box, if the printer supports the Presentation LUT SOP class (IDENTITY: the "
            "pixels are P-Values; LIN OD: linear in optical density). Empty: the printer's own."
        ),
    )
    illumination: int | None = field(
        default=None,
        metadata=_doc(
            "With backend = dicom: light box luminance (Illumination, cd/m²; 2000 is usual for "
            "transmissive film), sent if the printer supports Presentation LUT. Empty: the "
            "printer's configured value.",
            minimum=1,
            maximum=65535,
        ),
    )
    reflected_ambient_light: int | None = field(
        default=None,
        metadata=_doc(
            "With backend = dicom: ambient light reflected by the film (cd/m²; 10 is usual), "
            "sent if the printer supports Presentation LUT. Empty: the printer's configured "
            "value.",
            minimum=0,
            maximum=65535,
        ),
    )
    model: str = field(
        default="",
        metadata=_doc(
            "The printer's make and model as the nurses know it (`FUJIFILM DRYPIX SMART`), "
            "named on the jam screen above its jam_steps."
        ),
    )
    jam_steps: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "What to do about a jam on this printer's model, one step each, in order; the jam "
            "screen numbers them. Empty: the kiosk's general steps (open the cover, take the "
            "stuck sheet out, close it), in the kiosk's language. In the environment: "
            "comma-separated."
        ),
    )
    jam_pictures: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "A picture (PNG or JPEG file) for each of jam_steps, in the same order, shown beside "
            'the step; `""` for a step without one. A missing or unreadable file shows the step '
            "without it."
        ),
    )


@dataclass(frozen=True)
class PrintersSection:
    """[printers]: the report and film printers, and the CUPS server."""

    cups_server: str = field(
        default="",
        metadata=_doc("CUPS server (socket path or host:port); default: $CUPS_SERVER or local."),
    )
    report: PrinterSection = field(
        default_factory=lambda: PrinterSection(queue="KioskPDF"),
        metadata=_doc("The A4 report printer."),
    )
    film: PrinterSection = field(
        default_factory=lambda: PrinterSection(queue="KioskFilm"),
        metadata=_doc("The film printer."),
    )


# A film layout: COLUMNSxROWS or a DICOM Image Display Format, 1 to 10 per count.
_N = r"(?:10|[1-9])"
_LAYOUT_RE = rf"(?:{_N}[xX]{_N}|(?i:STANDARD)\\{_N},{_N}|(?i:ROW|COL)\\{_N}(?:,{_N}){{0,9}})"


@dataclass(frozen=True)
class FilmSection:
    """[film]: how films are composed."""

    size: Literal[
        "8INX10IN",
        "10INX12IN",
        "10INX14IN",
        "11INX14IN",
        "14INX14IN",
        "14INX17IN",
        "24CMX24CM",
        "24CMX30CM",
        "A4",
        "A3",
    ] = field(default="14INX17IN", metadata=_doc("DICOM Film Size ID loaded in the printer."))
    dpi: int = field(
        default=300, metadata=_doc("The film printer's resolution.", minimum=50, maximum=1200)
    )
    orientation: Literal["portrait", "landscape"] = field(
        default="portrait", metadata=_doc("How the film lies: long edge vertical or horizontal.")
    )
    margin_mm: float = field(
        default=5.0,
        metadata=_doc(
            "Black border around the images (at least the printer's unprintable edge).",
            minimum=0,
            maximum=50,
        ),
    )
    gutter_mm: float = field(
        default=2.0, metadata=_doc("Black space between images.", minimum=0, maximum=20)
    )
    plans: str = field(
        default="CT=4x5 MR=4x5 PT=4x5 NM=4x5 CR=1x1 DX=1x1 MG=1x1 RF=1x1 XA=1x1 US=2x3",
        metadata=_doc(
            "Default film plan per modality, MODALITY=LAYOUT separated by spaces; LAYOUT is "
            "COLUMNSxROWS or a DICOM display format (STANDARD\\C,R, ROW\\a,b, COL\\a,b). CT, "
            "MR, PT, NM get evenly spaced slices of the main series; others every image. "
            "Used when the study has no pre-composed films and no key images.",
            pattern=rf"[\s;]*(?:[A-Za-z]{{2,3}}={_LAYOUT_RE}(?:[\s;]+|$))*",
            expected="MODALITY=LAYOUT entries such as CT=4x5 US=2x3",
        ),
    )
    other_layout: str = field(
        default="3x4",
        metadata=_doc(
            "Layout for modalities not in `plans`.",
            pattern=_LAYOUT_RE,
            expected="a layout such as 3x4 or STANDARD\\3,4",
        ),
    )
    slice_sheets: int = field(
        default=1,
        metadata=_doc("Sheets of evenly spaced slices for CT, MR, PT, NM.", minimum=1, maximum=10),
    )
    max_sheets_per_exam: int = field(
        default=4,
        metadata=_doc(
            "At most this many sheets per exam; images beyond are left off (and logged).",
            minimum=1,
            maximum=50,
        ),
    )
    prepare_ahead: bool = field(
        default=True,
        metadata=_doc(
            "Fetch and compose a printable film while the patient reads the confirmation "
            "screen, so it prints at once when confirmed (discarded otherwise)."
        ),
    )
    annotations: bool = field(
        default=True, metadata=_doc("Print text with the images (the switches below).")
    )
    annotate_patient_name: bool = field(default=True, metadata=_doc("Patient name."))
    mask_patient_name: bool = field(
        default=True, metadata=_doc("Mask the name: 张*三 for 张小三, 张* for 张三.")
    )
    annotate_patient_id: bool = field(default=True, metadata=_doc("Patient ID."))
    annotate_sex_age: bool = field(default=True, metadata=_doc("Sex and age."))
    annotate_study_datetime: bool = field(default=True, metadata=_doc("Study date and time."))
    annotate_modality: bool = field(default=True, metadata=_doc("Modality."))
    annotate_series_instance: bool = field(
        default=True, metadata=_doc("Series, instance (and frame) number.")
    )
    annotate_window: bool = field(default=True, metadata=_doc("Window width and level."))
    annotate_hospital: bool = field(
        default=True, metadata=_doc("Hospital name (`kiosk.hospital_name`).")
    )
    annotate_scale_bar: bool = field(
        default=True, metadata=_doc("A scale bar from the pixel spacing.")
    )
    annotate_orientation: bool = field(
        default=True, metadata=_doc("Orientation labels (A/P, R/L, H/F) at the image edges.")
    )
    text_mm: float = field(
        default=2.8, metadata=_doc("Annotation font size on the film, mm.", minimum=1, maximum=10)
    )


@dataclass(frozen=True)
class PolicySection:
    """[policy]: what may be printed."""

    print_once: bool = field(
        default=True, metadata=_doc("Each item prints once; reprints need a nurse.")
    )
    pdf_reports_final: bool = field(
        default=True,
        metadata=_doc(
            "Treat an Encapsulated PDF report as final unless its Completion/Verification "
            "flags say otherwise."
        ),
    )
    recent_days: int = field(
        default=30,
        metadata=_doc(
            "A visit by ID card, hospital card or e-health card offers the exams of these "
            'last days ticked; older exams are listed unticked behind "more" and '
            "`kiosk print` leaves them out. An exam slip offers only its exam, however old. "
            "0: today's exams only.",
            minimum=0,
        ),
    )
    retention_days: int = field(
        default=90,
        metadata=_doc(
            "Days a finished print job and a delivery keep the patient's PatientID and "
            "accession number in kiosk.db; after that (checked every `[prefetch] interval`) "
            "both are replaced by keyed hashes. Print-once goes by the study and is not "
            "affected; open and unknown jobs are never touched. 90: a quarter, for the "
            "billing office's monthly reconciliation and a patient's question about a print.",
            minimum=1,
        ),
    )


@dataclass(frozen=True)
class PrintingSection:
    """[printing]: waiting for printers."""

    job_timeout: float = field(
        default=300.0,
        metadata=_doc("Seconds `kiosk print` waits for the printers to finish.", minimum=1),
    )
    poll_interval: float = field(
        default=0.5, metadata=_doc("Seconds between printer job checks.", minimum=0.05)
    )


@dataclass(frozen=True)
class HealthSection:
    """[health]: the endpoint the monitoring centre polls."""

    enabled: bool = field(default=True, metadata=_doc("Serve the endpoint while the kiosk runs."))
    bind: str = field(default="127.0.0.1", metadata=_doc("Address the endpoint listens on."))
    port: int = field(
        default=8470, metadata=_doc("Port (0: any free port).", minimum=0, maximum=65535)
    )
    token: str = field(
        default="",
        metadata=_doc(
            "Bearer token for /status and /metrics; while empty they refuse every request.",
            secret=True,
        ),
    )
    tls_cert: Path | None = field(
        default=None, metadata=_doc("PEM certificate: serve HTTPS when set with tls_key.")
    )
    tls_key: Path | None = field(default=None, metadata=_doc("PEM private key for tls_cert."))
    operators: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "Credentials of the `operate` role, which may call the remote operations under "
            "/ops/ (the `token` above is the `read` role: /status and /metrics only): "
            '`"name:sha256$hex"` entries, made by `python -m kiosk_app.health.access NAME` '
            "(the name is the operator's identity in the audit log). In the environment: "
            "comma-separated. Empty, and no client_ca: no remote operations.",
            pattern=r"[A-Za-z0-9._-]{2,24}:sha256\$[0-9a-f]{64}",
            expected='"name:sha256$..." (python -m kiosk_app.health.access NAME)',
        ),
    )
    client_ca: Path | None = field(
        default=None,
        metadata=_doc(
            "PEM CA of the centre's operator certificates (HTTPS only): a client certificate it "
            "signed has the `operate` role, its subject's common name is the operator's identity."
        ),
    )
    ops_per_minute: int = field(
        default=30,
        metadata=_doc(
            "Remote operations (and refused credentials) allowed per source address and minute; "
            "more are answered 429.",
            minimum=1,
            maximum=6000,
        ),
    )
    log_bundle_hours: int = field(
        default=24,
        metadata=_doc(
            "Hours of log a remote log bundle holds when the operator does not say; at most "
            "168 may be asked for.",
            minimum=1,
            maximum=168,
        ),
    )
    poll_interval: float = field(
        default=5.0,
        metadata=_doc("Seconds between health checks of devices and the cloud.", minimum=0.2),
    )
    stale_after: float = field(
        default=30.0,
        metadata=_doc("A status older than this many seconds is reported unknown.", minimum=1),
    )


@dataclass(frozen=True)
class CacheSection:
    """[cache]: the encrypted offline cache of exams fetched or prefetched from the cloud."""

    enabled: bool = field(
        default=True, metadata=_doc("Keep fetched exams to print them while the cloud is down.")
    )
    dir: Path | None = field(
        default=None, metadata=_doc("Folder of encrypted blobs. Default <data_dir>/cache.")
    )
    key_file: Path | None = field(
        default=None,
        metadata=_doc(
            "AES key file (created 0600; refused if others can read it). "
            "Default <data_dir>/cache.key."
        ),
    )
    max_mb: int = field(
        default=2048,
        metadata=_doc("Size cap in MiB; least recently used exams go first.", minimum=1),
    )
    retention_days: float = field(
        default=7.0,
        metadata=_doc("Days after which cached patient data is purged.", minimum=0.01),
    )


@dataclass(frozen=True)
class PrefetchSection:
    """[prefetch]: caching recently finished exams before their patients arrive."""

    enabled: bool = field(
        default=True, metadata=_doc("Run the prefetch task while the kiosk runs.")
    )
    interval: float = field(
        default=300.0, metadata=_doc("Seconds between prefetch rounds.", minimum=5)
    )
    window_days: int = field(
        default=2,
        metadata=_doc("Exams dated within this many days (today included).", minimum=1),
    )
    max_studies: int = field(
        default=200, metadata=_doc("Most studies cached in one round.", minimum=1)
    )


@dataclass(frozen=True)
class OutboxSection:
    """[outbox]: events that must leave the kiosk (deliveries, faults, heartbeats)."""

    url: str = field(
        default="",
        metadata=_doc("Receiver the events are POSTed to; empty: events wait in the database."),
    )
    token: str = field(default="", metadata=_doc("Bearer token for the receiver.", secret=True))
    interval: float = field(
        default=5.0, metadata=_doc("Seconds between sending rounds.", minimum=0.1)
    )
    backoff_max: float = field(
        default=300.0,
        metadata=_doc("Longest wait in seconds before retrying an undelivered event.", minimum=1),
    )
    heartbeat_interval: float = field(
        default=60.0,
        metadata=_doc("Seconds between heartbeats (only the latest waits).", minimum=1),
    )
    flush_timeout: float = field(
        default=5.0,
        metadata=_doc("Seconds `kiosk print` spends sending events before it exits.", minimum=0),
    )


@dataclass(frozen=True)
class FleetSection:
    """[fleet]: kiosks of one hospital sharing one ledger on PostgreSQL (empty: this kiosk
    alone, its own SQLite ledger only)."""

    database: str = field(
        default="",
        metadata=_doc(
            "The shared ledger: `postgresql+psycopg://ROLE:PASSWORD@HOST:PORT/DATABASE`, with "
            "this kiosk's own login role. Deliveries, reprint authorisations, claims and a "
            "copy of the fleet's audit rows are kept there; empty: no fleet.",
            secret=True,
        ),
    )
    ca_file: Path | None = field(
        default=None,
        metadata=_doc(
            "CA certificate (or the server's self-signed one) the PostgreSQL server's TLS "
            "certificate is verified against (`sslmode=verify-full`); unset: the URL's own "
            "`sslmode` (libpq's default tries TLS but does not verify it)."
        ),
    )
    role: str = field(
        default="",
        metadata=_doc(
            "Group role taken at every connection (`SET ROLE`), which owns the fleet's tables; "
            "the login role in `database` is a member. Empty: the login role itself."
        ),
    )
    offline: Literal["refuse", "prefetched-only"] = field(
        default="refuse",
        metadata=_doc(
            "When the shared ledger cannot be reached: `refuse` prints nothing; "
            "`prefetched-only` prints what this kiosk holds itself (its offline cache, or its "
            "local archive), checked against its own ledger only, recorded locally and "
            "reconciled on reconnect; a double print that allowed is an event and an alert."
        ),
    )
    lease_seconds: float = field(
        default=120.0,
        metadata=_doc(
            "How long a claim holds without its kiosk renewing it (it renews while printing). "
            "An expired claim is never taken over: it becomes unknown for a nurse.",
            minimum=1,
        ),
    )
    connect_timeout: float = field(
        default=3.0,
        metadata=_doc(
            "Seconds to wait for the shared ledger before it counts as unreachable.", minimum=1
        ),
    )


@dataclass(frozen=True)
class UiSection:
    """[ui]: the screen."""

    idle_timeout: float = field(
        default=60.0,
        metadata=_doc("Seconds without a touch before the screen returns home.", minimum=10),
    )
    fullscreen: bool = field(default=True, metadata=_doc("Fullscreen without decorations."))
    high_contrast: bool = field(
        default=False,
        metadata=_doc("Start in high contrast (white and yellow on black); patients can switch."),
    )
    staff_pin_hash: str = field(
        default="",
        metadata=_doc(
            "Hash of the nurses' maintenance PIN: the output of "
            "`python -m kiosk_app.ui.maintenance.pin`. Empty: maintenance is closed "
            "(in --demo the PIN is 1234).",
            secret=True,
        ),
    )
    pin_lockout: float = field(
        default=300.0,
        metadata=_doc(
            "Seconds maintenance stays locked after 5 wrong PINs or staff cards.", minimum=10
        ),
    )
    staff_cards: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "Staff cards that open maintenance when read on the home or login screen: "
            '`"label:hash"` entries, the hash from `python -m kiosk_app.ui.maintenance.pin '
            "--card` (the label names the nurse in the audit log). In the environment: "
            "comma-separated. Empty: PIN only (in --demo the card STAFF0001 opens it).",
            pattern=r"(?:.*:)?scrypt\$[0-9]+\$[0-9]+\$[0-9]+\$[0-9a-f]+\$[0-9a-f]{64}",
            expected='"label:scrypt$..." (python -m kiosk_app.ui.maintenance.pin --card)',
        ),
    )


@dataclass(frozen=True)
class VoiceSection:
    """[voice]: short spoken prompts per patient screen (off unless a site turns them on)."""

    enabled: bool = field(
        default=False,
        metadata=_doc(
            "Speak a short prompt when a patient screen shows (home, keypad, finding, exams, "
            "printing, done, error), in the screen's language. Never in maintenance."
        ),
    )
    directory: Path = field(
        default=VOICE_PROMPTS,
        metadata=_doc(
            "Prompt files, `<directory>/<locale>/<screen>.wav` (locales zh_CN and en); the "
            "shipped ones are synthesised, a site may put its own recordings here."
        ),
    )
    device: str = field(
        default="default",
        metadata=_doc("ALSA device the prompts play on (`aplay -D`; `aplay -L` lists them)."),
    )
    volume: int = field(
        default=100,
        metadata=_doc(
            "Percent of the files' recorded level (16-bit PCM files); 0 is silent.",
            minimum=0,
            maximum=100,
        ),
    )


@dataclass(frozen=True)
class IdentitySection:
    """[identity]: which codes this site uses and how each one finds the patient."""

    accession_pattern: str = field(
        default="[A-Z0-9][A-Z0-9._-]{3,31}",
        metadata=_doc(
            "Regular expression (full match, after upper-casing and removing spaces) of the "
            "exam-slip accession numbers."
        ),
    )
    card_pattern: str = field(
        default="",
        metadata=_doc(
            "Regular expression of hospital card numbers (resolved as PatientID); empty: none."
        ),
    )
    ehealth_pattern: str = field(
        default="",
        metadata=_doc("Regular expression of e-health card QR payloads (case kept); empty: none."),
    )
    voucher_pattern: str = field(
        default="",
        metadata=_doc(
            "Regular expression of insurance e-voucher QR payloads (case kept); empty: none."
        ),
    )
    legacy_id_numbers: bool = field(
        default=True, metadata=_doc("Accept 15-digit first-generation ID numbers.")
    )
    id_number_mode: Literal["patient_id", "other_ids", "mpi"] = field(
        default="other_ids",
        metadata=_doc(
            "How an ID number finds the patient: `patient_id` (it is the PatientID), "
            "`other_ids` (studies carrying it in OtherPatientIDs give the PatientID; the "
            "server must filter by (0010,1000), which `kiosk selftest` checks; with mpi_url "
            "set the MPI is asked first, the cloud for what it does not know or while it is "
            "down) or `mpi` (only the hospital's MPI at mpi_url). An MPI is what scales: "
            "servers filter OtherPatientIDs by reading their studies (Orthanc 1.10 does)."
        ),
    )
    id_map: bool = field(
        default=True,
        metadata=_doc(
            "Remember what an ID number resolved to (`other_ids`, `mpi`) in "
            "<data_dir>/id-numbers.db, keyed by a keyed hash of the number, for "
            "`[cache] retention_days`: the patient's next visit skips the look-up."
        ),
    )
    mpi_url: str = field(
        default="",
        metadata=_doc(
            'MPI endpoint: POST {"kind", "value"} answers {"patient_ids": [...]}, 404 none.'
        ),
    )
    platform_url: str = field(
        default="",
        metadata=_doc(
            "E-health / e-voucher platform endpoint, same contract as mpi_url; empty: those "
            "codes are refused."
        ),
    )
    endpoint_token: str = field(
        default="",
        metadata=_doc("Bearer token for mpi_url and platform_url.", secret=True),
    )
    endpoint_timeout: float = field(
        default=5.0, metadata=_doc("Seconds to wait for the MPI or platform.", minimum=0.1)
    )
    token_public_key: Path | None = field(
        default=None,
        metadata=_doc("Ed25519 public key (PEM) of the cloud's kiosk tokens; empty: refused."),
    )
    token_leeway: float = field(
        default=60.0,
        metadata=_doc("Seconds of clock difference tolerated on token expiry.", minimum=0),
    )


@dataclass(frozen=True)
class ScannerSection:
    """[scanner]: where codes and ID cards come from."""

    backend: Literal["keyboard", "hid", "serial", "camera"] = field(
        default="keyboard",
        metadata=_doc(
            "`keyboard` (key events, scans told from typing by timing), `hid` (evdev with an "
            "exclusive grab), `serial` (CDC-ACM / virtual COM) or `camera` (QR from frames)."
        ),
    )
    hid_device: str = field(
        default="",
        metadata=_doc("With hid: /dev/input/by-id/usb-...-event-kbd of the scanner."),
    )
    serial_port: str = field(default="", metadata=_doc("With serial: the scanner's tty."))
    serial_baud: int = field(default=9600, metadata=_doc("With serial: speed.", minimum=1200))
    camera_index: int = field(default=0, metadata=_doc("With camera: V4L2 index.", minimum=0))
    camera_replay: str = field(
        default="",
        metadata=_doc(
            "With camera: image files or folders (`:`-separated) shown in a loop instead of "
            "the camera (demo, training, tests); empty: the camera at `camera_index`."
        ),
    )
    prefix: str = field(default="", metadata=_doc("Characters the scanner sends before a code."))
    suffix: Literal["enter", "tab", "none"] = field(
        default="enter", metadata=_doc("Key the scanner sends after a code.")
    )
    inter_key_ms: float = field(
        default=40.0,
        metadata=_doc("keyboard: most milliseconds between keys of a scan.", minimum=5),
    )
    min_length: int = field(
        default=4, metadata=_doc("keyboard: fewest characters of a scan.", minimum=1)
    )
    idcard_port: str = field(
        default="", metadata=_doc("Serial port of the ID card reader; empty: no reader.")
    )


@dataclass(frozen=True)
class Settings:
    """Every setting of the kiosk."""

    kiosk: KioskSection = field(default_factory=KioskSection)
    logs: LogsSection = field(default_factory=LogsSection)
    cloud: CloudSection = field(default_factory=CloudSection)
    printers: PrintersSection = field(default_factory=PrintersSection)
    film: FilmSection = field(default_factory=FilmSection)
    policy: PolicySection = field(default_factory=PolicySection)
    printing: PrintingSection = field(default_factory=PrintingSection)
    health: HealthSection = field(default_factory=HealthSection)
    ui: UiSection = field(default_factory=UiSection)
    voice: VoiceSection = field(default_factory=VoiceSection)
    identity: IdentitySection = field(default_factory=IdentitySection)
    scanner: ScannerSection = field(default_factory=ScannerSection)
    cache: CacheSection = field(default_factory=CacheSection)
    prefetch: PrefetchSection = field(default_factory=PrefetchSection)
    outbox: OutboxSection = field(default_factory=OutboxSection)
    fleet: FleetSection = field(default_factory=FleetSection)
    demo: bool = field(default=False, metadata=_doc("Set by --demo; not read from files."))

    @property
    def log_dir(self) -> Path:
        return self.kiosk.log_dir or self.kiosk.data_dir / "log"

    @property
    def database_path(self) -> Path:
        return self.kiosk.data_dir / "kiosk.db"

    @property
    def cache_dir(self) -> Path:
        return self.cache.dir or self.kiosk.data_dir / "cache"

    @property
    def cache_key_file(self) -> Path:
        return self.cache.key_file or self.kiosk.data_dir / "cache.key"

    @property
    def patient_ref_key_file(self) -> Path:
        """The key of the refs that replace patient identifiers after retention (0600)."""
        return self.kiosk.data_dir / "patient-ref.key"

    def output_dir(self, printer: PrinterSection) -> Path:
        return printer.output_dir or self.kiosk.data_dir / "output"


# --------------------------------------------------------------------------- loading

_DEMO_PROFILE: dict[str, Any] = {
    "cloud": {"kind": "local"},
    "printers": {"report": {"backend": "folder"}, "film": {"backend": "folder"}},
    "film": {"dpi": 150},
}


def _demo_data_dir() -> Path:
    return _default_data_dir() / "demo"


def load(
    config: Path | None = None,
    *,
    demo: bool = False,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings from defaults, the demo profile, the file and the environment."""
    env = os.environ if env is None else env
    merged: dict[str, Any] = {}
    if demo:
        _merge(merged, _DEMO_PROFILE)
        _merge(merged, {"kiosk": {"data_dir": str(_demo_data_dir())}})
    path = config or (Path(env["KIOSK_CONFIG"]) if env.get("KIOSK_CONFIG") else None)
    if path is None and SYSTEM_CONFIG.is_file() and not demo:
        path = SYSTEM_CONFIG
    if path is not None:
        _merge(merged, _read_toml(path))
    _merge(merged, _from_env(env))
    settings = _build(Settings(), merged, "")
    return dataclasses.replace(settings, demo=demo)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise SettingsError(f"config file {path}: not found") from None
    except PermissionError:
        raise SettingsError(f"config file {path}: not readable (permission denied)") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path}: not valid TOML ({exc})") from None


def _merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, Mapping):
            into[key] = {}
            _merge(into[key], value)
        else:
            into[key] = value


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    known = {key for key, _ in iter_keys()}
    out: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        dotted = name[len(ENV_PREFIX) :].lower().replace("__", ".")
        if dotted not in known:
            raise SettingsError(f"environment {name}: unknown setting '{dotted}'")
        node = out
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _EnvValue(name, value)
    return out


@dataclass(frozen=True)
class _EnvValue:
    """A string from the environment, converted by the field's type rather than TOML's."""

    origin: str
    text: str


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(base: Any, data: Any, prefix: str) -> Any:
    """``base`` with the keys in ``data`` converted and replaced, section by section."""
    if not isinstance(data, Mapping):
        raise SettingsError(f"{prefix.rstrip('.')}: expected a table, got {data!r}")
    cls = type(base)
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names or (cls is Settings and key == "demo"):
            raise SettingsError(f"{prefix}{key}: unknown setting")
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        typ = hints[f.name]
        key = prefix + f.name
        if dataclasses.is_dataclass(typ):
            changes[f.name] = _build(getattr(base, f.name), data[f.name], key + ".")
        else:
            changes[f.name] = _convert(data[f.name], typ, key, f.metadata)
    return dataclasses.replace(base, **changes)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _describe(typ: Any) -> str:
    origin = get_origin(typ)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(typ))
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in get_args(typ) if a is not type(None)]
        return _describe(inner[0]) + " or empty"
    if origin is tuple:
        return "a list of " + _describe(get_args(typ)[0])
    return {
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        str: "text",
        Path: "a file or folder path",
    }.get(typ, str(typ))


def _convert(value: Any, typ: Any, key: str, meta: Mapping[str, Any]) -> Any:
    shown = value.text if isinstance(value, _EnvValue) else value
    where = f"{value.origin} ({key})" if isinstance(value, _EnvValue) else key

    def bad(expected: str | None = None) -> SettingsError:
        return SettingsError(f"{where}: {shown!r} is not {expected or _describe(typ)}")

    origin = get_origin(typ)
    if origin in (types.UnionType, typing.Union):
        inner = next(a for a in get_args(typ) if a is not type(None))
        if shown in ("", None):
            return None
        return _convert(value, inner, key, meta)
    text = value.text if isinstance(value, _EnvValue) else None
    if origin is Literal:
        choices = get_args(typ)
        candidate = text if text is not None else value
        if candidate not in choices:
            raise bad()
        return candidate
    if typ is bool:
        if text is not None:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise bad()
        if not isinstance(value, bool):
            raise bad()
        return value
    if typ in (int, float):
        try:
            if text is not None:
                number = typ(text)
            elif (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (typ is int and not isinstance(value, int))
            ):
                raise ValueError
            else:
                number = typ(value)
        except ValueError:
            raise bad() from None
        low, high = meta.get("minimum"), meta.get("maximum")
        if low is not None and number < low:
            raise bad(f"{_describe(typ)} >= {low}")
        if high is not None and number > high:
            raise bad(f"{_describe(typ)} <= {high}")
        return number
    if typ is str:
        if text is None and not isinstance(value, str):
            raise bad()
        result = text if text is not None else value
        if (pattern := meta.get("pattern")) and not re.fullmatch(pattern, result):
            raise bad(meta.get("expected"))
        return result
    if typ is Path:
        raw = text if text is not None else value
        if not isinstance(raw, str) or not raw:
            raise bad()
        return Path(raw).expanduser()
    if origin is tuple:  # tuple[X, ...]: a TOML array, or comma-separated in the environment
        inner = get_args(typ)[0]
        if isinstance(value, _EnvValue):
            parts = [_EnvValue(value.origin, p.strip()) for p in value.text.split(",")]
            items: list[Any] = [p for p in parts if p.text]
        elif isinstance(value, list):
            items = value
        else:
            raise bad()
        result = tuple(_convert(item, inner, key, meta) for item in items)
        if len(result) < meta.get("min_items", 0):
            raise bad(f"a list of at least {meta['min_items']} ({_describe(inner)})")
        return result
    raise bad()  # pragma: no cover - a field type this loader does not know


# --------------------------------------------------------------------------- reference


def iter_keys(
    cls: Any = Settings, prefix: str = "", instance: Any = None
) -> typing.Iterator[tuple[str, dataclasses.Field[Any]]]:
    """Every leaf setting as (dotted key, field)."""
    instance = instance if instance is not None else cls()
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        if f.name == "demo" and cls is Settings:
            continue
        typ = hints[f.name]
        if dataclasses.is_dataclass(typ):
            yield from iter_keys(typ, prefix + f.name + ".", getattr(instance, f.name))
        else:
            yield prefix + f.name, f


def _default_text(cls: type, instance: Any, name: str, meta: Mapping[str, Any]) -> str:
    value = getattr(instance, name)
    if meta.get("secret"):
        return '""'
    if value is None or value == ():
        return "(empty)"
    if isinstance(value, Path):
        if name == "data_dir":
            return "see description"
        if value.is_relative_to(REPO_ROOT):
            return f"`<install>/{value.relative_to(REPO_ROOT)}`"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{value}`" if not isinstance(value, str) else f'`"{value}"`'


def reference_markdown() -> str:
    """The configuration reference, one row per key (``docs/configuration.md``)."""
    lines = [
        "# Configuration reference",
        "",
        "Generated from `kiosk_app/settings.py` by `python -m kiosk_app.settings --markdown`;",
        "edit the code, not this file.",
        "",
        "Sources, later ones winning: the defaults below; the demo profile with `--demo`; the",
        "TOML file (`--config FILE`, else `$KIOSK_CONFIG`, else `/etc/kiosk/kiosk.toml`); then",
        "one environment variable per key. A bad value stops the program with one line naming",
        "the key, the value and what was expected (exit code 2).",
        "",
        "| key | environment variable | type | default | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]

    def walk(cls: Any, prefix: str, instance: Any) -> None:
        hints = _hints(cls)
        for f in dataclasses.fields(cls):
            if f.name == "demo" and cls is Settings:
                continue
            typ = hints[f.name]
            if dataclasses.is_dataclass(typ):
                walk(typ, prefix + f.name + ".", getattr(instance, f.name))
                continue
            key = prefix + f.name
            env = ENV_PREFIX + key.upper().replace(".", "__")
            default = _default_text(cls, instance, f.name, f.metadata)
            lines.append(
                f"| `{key}` | `{env}` | {_describe(typ)} | {default} | {f.metadata['doc']} |"
            )

    walk(Settings, "", Settings())
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        sys.stdout.write(reference_markdown())
    else:
        sys.stderr.write("usage: python -m kiosk_app.settings --markdown\n")
        sys.exit(2)
