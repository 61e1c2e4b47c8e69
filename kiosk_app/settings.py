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
    archive_dir: Path = field(
        default=DEMO_ARCHIVE, metadata=_doc("With kind = local: the folder of DICOM files.")
    )


@dataclass(frozen=True)
class PrinterSection:
    """[printers.report] / [printers.film]: one printer."""

    backend: Literal["cups", "folder"] = field(
        default="cups",
        metadata=_doc("`cups` (a CUPS queue) or `folder` (writes PDFs into output_dir)."),
    )
    queue: str = field(default="", metadata=_doc("CUPS queue name."))
    output_dir: Path | None = field(
        default=None,
        metadata=_doc("With backend = folder: where PDFs go. Default <data_dir>/output."),
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

    bind: str = field(default="127.0.0.1", metadata=_doc("Address the endpoint listens on."))
    port: int = field(default=8470, metadata=_doc("Port.", minimum=0, maximum=65535))
    token: str = field(
        default="", metadata=_doc("Bearer token for /status and /metrics.", secret=True)
    )


@dataclass(frozen=True)
class UiSection:
    """[ui]: the screen."""

    idle_timeout: float = field(
        default=60.0,
        metadata=_doc("Seconds without a touch before the screen returns home.", minimum=10),
    )
    fullscreen: bool = field(default=True, metadata=_doc("Fullscreen without decorations."))


@dataclass(frozen=True)
class Settings:
    """Every setting of the kiosk."""

    kiosk: KioskSection = field(default_factory=KioskSection)
    cloud: CloudSection = field(default_factory=CloudSection)
    printers: PrintersSection = field(default_factory=PrintersSection)
    film: FilmSection = field(default_factory=FilmSection)
    policy: PolicySection = field(default_factory=PolicySection)
    printing: PrintingSection = field(default_factory=PrintingSection)
    health: HealthSection = field(default_factory=HealthSection)
    ui: UiSection = field(default_factory=UiSection)
    demo: bool = field(default=False, metadata=_doc("Set by --demo; not read from files."))

    @property
    def log_dir(self) -> Path:
        return self.kiosk.log_dir or self.kiosk.data_dir / "log"

    @property
    def database_path(self) -> Path:
        return self.kiosk.data_dir / "kiosk.db"

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
        if text is not None:
            return text
        if not isinstance(value, str):
            raise bad()
        return value
    if typ is Path:
        raw = text if text is not None else value
        if not isinstance(raw, str) or not raw:
            raise bad()
        return Path(raw).expanduser()
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
    if value is None:
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
