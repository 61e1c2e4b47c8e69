"""``kiosk setup``: first-run configuration, asked step by step and checked live.

Interactive (text prompts on a terminal) or not (``--non-interactive``, options such as
``--cloud-url``, or ``--answers FILE``: a TOML file with the same names, ``cloud_url = "..."``).
Options win over the answers file, which wins over the current configuration, which wins over
the defaults. Steps: the kiosk's name; the imaging cloud (URL, credentials, CA; checked with a
QIDO-RS query); the printers (CUPS queues as the scheduler lists them, without any device
discovery; a DICOM film printer checked with C-ECHO and its status); the scanner and ID-card
reader ports (opened); the nurses' PIN (stored as a hash); the monitoring token. Each step is
checked with the same checks as ``kiosk selftest`` before the next one.

The configuration is written atomically (a temporary file in the same folder, fsync, rename)
with mode 0600, keeping the owner of the file it replaces: it holds passwords and tokens. Keys
the wizard does not ask about are kept as they were.

``kiosk setup --provision-cups`` creates the CUPS queues the configuration names with a
``device_uri`` and that the scheduler does not have yet (the package's postinst runs it).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.errors import DriverError
from kiosk_app.core.pin import PIN_MAX, PIN_MIN, hash_pin, pin_problem
from kiosk_app.settings import SYSTEM_CONFIG, Settings, SettingsError, load

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Answers = dict[str, str]
Asker = Callable[[str, bool], str]
"""(prompt, secret) -> the typed line; raises EOFError when input ends."""


class SetupError(Exception):
    """Setup cannot go on; ``str()`` is the one line shown, with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# --------------------------------------------------------------------------- questions


def _match(pattern: str, what: str) -> Callable[[str], str | None]:
    regex = re.compile(pattern)
    return lambda value: None if regex.fullmatch(value) else what


def _url(value: str) -> str | None:
    return None if re.fullmatch(r"https?://[^\s/]+(/\S*)?", value) else "an http:// or https:// URL"


def _existing_file(value: str) -> str | None:
    return None if not value or Path(value).is_file() else f"no such file: {value}"


def _port(value: str) -> str | None:
    return None if value.isdigit() and 1 <= int(value) <= 65535 else "a port number 1-65535"


def _one_of(*choices: str) -> Callable[[str], str | None]:
    return lambda value: None if value in choices else "one of " + ", ".join(choices)


def _film(kind: str) -> Callable[[Answers], bool]:
    return lambda answers: answers.get("film_backend") == kind


def _scanner(*kinds: str) -> Callable[[Answers], bool]:
    return lambda answers: answers.get("scanner_backend") in kinds


@dataclass(frozen=True)
class Question:
    """One answer: its option/answers-file ``name``, the settings ``key`` it sets."""

    name: str
    key: str
    prompt: str
    validate: Callable[[str], str | None] | None = None
    secret: bool = False
    optional: bool = False
    when: Callable[[Answers], bool] = lambda _answers: True
    help: str = ""


@dataclass(frozen=True)
class Step:
    """Questions asked together, then checked live with the named selftest checks."""

    title: str
    questions: tuple[Question, ...]
    checks: tuple[str, ...] = ()
    intro: Callable[[Settings], list[str]] | None = None


def _cups_intro(settings: Settings) -> list[str]:
    try:
        queues = describe_queues(settings)
    except Exception as exc:
        return [f"  CUPS does not answer ({exc}); queues can be given with a device URI."]
    if not queues:
        return ["  CUPS has no queues yet: give a device URI and setup creates the queue."]
    return ["  CUPS queues on this machine (no network discovery was run):", *queues]


STEPS: tuple[Step, ...] = (
    Step(
        "This kiosk",
        (
            Question(
                "kiosk_id",
                "kiosk.id",
                "Kiosk id (the name the monitoring centre sees)",
                _match(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", "letters, digits, . _ - (up to 64)"),
            ),
            Question("hospital_name", "kiosk.hospital_name", "Hospital name (on films)"),
        ),
    ),
    Step(
        "The imaging cloud",
        (
            Question("cloud_url", "cloud.url", "DICOMweb URL", _url),
            Question("cloud_username", "cloud.username", "User name", optional=True),
            Question("cloud_password", "cloud.password", "Password", secret=True, optional=True),
            Question(
                "cloud_token",
                "cloud.token",
                "Bearer token (instead of a password)",
                secret=True,
                optional=True,
            ),
            Question(
                "ca_bundle",
                "cloud.ca_bundle",
                "CA bundle file (empty: the system's)",
                _existing_file,
                optional=True,
            ),
        ),
        checks=("cloud", "certificates"),
    ),
    Step(
        "The printers",
        (
            Question("report_queue", "printers.report.queue", "Report printer: CUPS queue"),
            Question(
                "report_uri",
                "printers.report.device_uri",
                "Report printer: device URI to create the queue with (empty: it exists)",
                optional=True,
            ),
            Question(
                "film_backend",
                "printers.film.backend",
                "Film printer: cups or dicom",
                _one_of("cups", "dicom", "folder"),
            ),
            Question(
                "film_queue", "printers.film.queue", "Film printer: CUPS queue", when=_film("cups")
            ),
            Question(
                "film_uri",
                "printers.film.device_uri",
                "Film printer: device URI to create the queue with (empty: it exists)",
                optional=True,
                when=_film("cups"),
            ),
            Question(
                "film_ae_title",
                "printers.film.ae_title",
                "Film printer: AE title",
                _match(r"[ -~]{1,16}", "1 to 16 characters"),
                when=_film("dicom"),
            ),
            Question("film_host", "printers.film.host", "Film printer: host", when=_film("dicom")),
            Question(
                "film_port", "printers.film.port", "Film printer: port", _port, when=_film("dicom")
            ),
        ),
        checks=("report_printer", "film_printer"),
        intro=_cups_intro,
    ),
    Step(
        "Scanner and ID-card reader",
        (
            Question(
                "scanner_backend",
                "scanner.backend",
                "Scanner: keyboard, hid, serial or camera",
                _one_of("keyboard", "hid", "serial", "camera"),
            ),
            Question(
                "scanner_port",
                "scanner.serial_port",
                "Scanner: serial port (/dev/serial/by-id/...)",
                when=_scanner("serial"),
            ),
            Question(
                "scanner_device",
                "scanner.hid_device",
                "Scanner: event device (/dev/input/by-id/...-event-kbd)",
                when=_scanner("hid"),
            ),
            Question(
                "idcard_port",
                "scanner.idcard_port",
                "ID-card reader: serial port (empty: none)",
                optional=True,
            ),
        ),
        checks=("scanner", "camera", "idcard_reader"),
    ),
    Step(
        "Nurses and monitoring",
        (
            Question(
                "nurse_pin",
                "ui.staff_pin_hash",
                f"Nurses' maintenance PIN ({PIN_MIN}-{PIN_MAX} digits)",
                pin_problem,
                secret=True,
            ),
            Question(
                "health_token",
                "health.token",
                "Monitoring token (empty: generate one)",
                secret=True,
                optional=True,
            ),
            Question(
                "health_bind",
                "health.bind",
                "Health endpoint address (0.0.0.0: reachable by the monitoring centre)",
            ),
        ),
        checks=("monitoring",),
    ),
)

QUESTIONS = {q.name: q for step in STEPS for q in step.questions}
_INT_KEYS = {"printers.film.port"}


# --------------------------------------------------------------------------- TOML


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # JSON string escapes are TOML basic-string escapes.
    return json.dumps(str(value), ensure_ascii=False)


def dump_toml(data: Mapping[str, Any]) -> str:
    """TOML for nested tables of scalars and lists (what a kiosk configuration holds)."""
    out: list[str] = ["# Written by `kiosk setup`; see docs/configuration.md for every key."]

    def table(prefix: str, body: Mapping[str, Any]) -> None:
        scalars = {k: v for k, v in body.items() if not isinstance(v, Mapping)}
        tables = {k: v for k, v in body.items() if isinstance(v, Mapping)}
        if prefix and (scalars or not tables):
            out.append("")
            out.append(f"[{prefix}]")
        out.extend(f"{_key(k)} = {_toml_value(v)}" for k, v in scalars.items())
        for k, v in tables.items():
            table(f"{prefix}.{_key(k)}" if prefix else _key(k), v)

    table("", data)
    return "\n".join(out) + "\n"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def write_config(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600, keeping the replaced file's owner (a new
    /etc/kiosk/kiosk.toml goes to the ``kiosk`` user, whose service reads it)."""
    text = dump_toml(data)
    tomllib.loads(text)  # never leave a file the kiosk cannot read
    path.parent.mkdir(parents=True, exist_ok=True)
    owner = None
    with contextlib.suppress(FileNotFoundError):
        st = path.stat()
        owner = (st.st_uid, st.st_gid)
    if owner is None and path == SYSTEM_CONFIG:
        import pwd

        with contextlib.suppress(KeyError):  # the package's system user reads it
            user = pwd.getpwnam("kiosk")
            owner = (user.pw_uid, user.pw_gid)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        if owner is not None and os.geteuid() == 0:
            os.fchown(fd, *owner)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _get(data: Mapping[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _default(settings: Settings, key: str) -> str:
    node: Any = settings
    for part in key.split("."):
        node = getattr(node, part)
    return "" if node is None else str(node)


# --------------------------------------------------------------------------- CUPS


def describe_queues(settings: Settings) -> list[str]:
    """The scheduler's queues (CUPS-Get-Printers), one line each. No device discovery."""
    from drivers.printer.cups import list_queues

    lines = []
    for name, attrs in sorted(list_queues(settings.printers.cups_server or None).items()):
        state = {3: "idle", 4: "printing", 5: "stopped"}.get(attrs.get("printer-state", 0), "?")
        uri = attrs.get("device-uri", "")
        lines.append(f"    {name:<16} {state:<8} {uri}")
    return lines


Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, timeout=120, check=False)


def provision_cups(
    settings: Settings,
    *,
    existing: Iterable[str] | None = None,
    run: Runner = _run,
) -> list[str]:
    """Create the configured CUPS queues that are missing and have a ``device_uri``.

    Returns one line per printer. Existing queues are left as they are (an installer may have
    tuned them); lpadmin talks to the printer at its URI only, never to the network at large.

    Raises:
        SetupError: lpadmin failed, or a queue is missing and has no device URI.
    """
    printers = settings.printers
    wanted = [
        (role, section)
        for role, section in (("report", printers.report), ("film", printers.film))
        if section.backend == "cups" and section.queue
    ]
    if not wanted:
        return ["no CUPS printers configured"]
    if existing is None:
        from drivers.printer.cups import list_queues

        existing = list_queues(printers.cups_server or None)
    have = set(existing)
    server = ["-h", printers.cups_server] if printers.cups_server else []
    lines = []
    for role, section in wanted:
        if section.queue in have:
            lines.append(f"{role} printer: queue {section.queue} exists")
            continue
        if not section.device_uri:
            raise SetupError(
                f"{role} printer: CUPS has no queue {section.queue} and "
                f"printers.{role}.device_uri is empty"
            )
        command = [
            "lpadmin",
            *server,
            "-p",
            section.queue,
            "-v",
            section.device_uri,
            "-m",
            section.cups_model,
            "-E",
            "-o",
            "printer-error-policy=stop-printer",
        ]
        done = run(command)
        if done.returncode != 0:
            raise SetupError(
                f"{role} printer: lpadmin could not create {section.queue}: "
                f"{(done.stderr or done.stdout).strip()}"
            )
        lines.append(f"{role} printer: queue {section.queue} created for {section.device_uri}")
    return lines


# --------------------------------------------------------------------------- the wizard


@dataclass
class Wizard:
    """The setup steps over a configuration file.

    Args:
        path: the configuration file (kept keys are read from it when it exists).
        given: answers from the options and the answers file (by question name).
        interactive: ask for what was not given (else the current value or default stands).
        check: run each step's live checks.
        ask: how a question is asked (input/getpass on a terminal; a stub in tests).
        say: where the wizard's lines go.
        checks_for: the selftest checks for a Settings (``kiosk_app.app.build_selftest``).
        provision: creates missing CUPS queues before the printers are checked
            (:func:`provision_cups` when run as root; None: nothing is created).
    """

    path: Path
    given: Answers = field(default_factory=dict)
    interactive: bool = True
    check: bool = True
    ask: Asker = field(default=lambda prompt, secret: _terminal_ask(prompt, secret))
    say: Callable[[str], None] = field(default=print)
    checks_for: Callable[[Settings], list[Any]] | None = None
    provision: Callable[[Settings], list[str]] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    answers: Answers = field(default_factory=dict)

    def run(self) -> Settings:
        """Ask, check and write; the settings as written."""
        if self.path.is_file():
            try:
                self.data = tomllib.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise SetupError(f"{self.path}: cannot be read ({exc})", EXIT_USAGE) from None
        unknown = set(self.given) - set(QUESTIONS)
        if unknown:
            raise SetupError(f"unknown answer(s): {', '.join(sorted(unknown))}", EXIT_USAGE)
        for number, step in enumerate(STEPS, 1):
            self.say(f"[{number}/{len(STEPS)}] {step.title}")
            while True:
                self._answer(step)
                settings = self._settings()
                failures = self._check(step, settings)
                if not failures:
                    break
                if not self.interactive:
                    raise SetupError(f"{step.title}: {failures[0]}")
                self.say("  Fix the answers above and try again (Ctrl+D stops setup).")
                for question in step.questions:  # ask again, the last answers as defaults
                    self.given.pop(question.name, None)
        settings = self._settings()
        write_config(self.path, self.data)
        self.say(f"configuration written to {self.path} (mode 0600)")
        return settings

    def _answer(self, step: Step) -> None:
        if step.intro is not None and self.interactive:
            settings = self._settings()
            for line in step.intro(settings):
                self.say(line)
        for question in step.questions:
            if not question.when(self.answers):
                continue
            value = self._value(question)
            self.answers[question.name] = value
            self._store(question, value)

    def _current(self, question: Question) -> str:
        if question.name in self.answers:
            return self.answers[question.name]
        raw = _get(self.data, question.key)
        if question.name == "nurse_pin":
            return ""  # only a hash is stored; an empty answer keeps it
        if raw is not None:
            return str(raw)
        return _default(Settings(), question.key)

    def _value(self, question: Question) -> str:
        current = self._current(question)
        if question.name in self.given:
            value = self.given[question.name].strip()
            problem = self._problem(question, value, current)
            if problem:
                raise SetupError(f"{question.name} = {value!r}: {problem}", EXIT_USAGE)
            return value or current
        if not self.interactive:
            if question.name == "nurse_pin" and not _get(self.data, question.key):
                raise SetupError("nurse_pin: no PIN given and none set yet", EXIT_USAGE)
            return current
        while True:
            is_set = current or (question.name == "nurse_pin" and _get(self.data, question.key))
            shown = ("set, Enter keeps it" if is_set else "") if question.secret else current
            prompt = f"  {question.prompt}" + (f" [{shown}]" if shown else "") + ": "
            try:
                value = self.ask(prompt, question.secret).strip()
            except EOFError:
                raise SetupError("setup stopped; nothing was written") from None
            problem = self._problem(question, value, current)
            if not problem:
                return value or current
            self.say(f"    {problem}")

    def _problem(self, question: Question, value: str, current: str) -> str | None:
        if not value:
            kept = current or (question.name == "nurse_pin" and _get(self.data, question.key))
            if kept or question.optional or question.name == "health_token":
                return None
            return "an answer is needed"
        return question.validate(value) if question.validate else None

    def _store(self, question: Question, value: str) -> None:
        if question.name == "nurse_pin":
            if value:
                _set(self.data, question.key, hash_pin(value))
            return
        if question.name == "health_token" and not value:
            value = secrets.token_urlsafe(32)
            self.answers[question.name] = value
            self.say(f"  generated a monitoring token: {value}")
        if question.key in _INT_KEYS:
            _set(self.data, question.key, int(value))
        elif value or _get(self.data, question.key) is not None:
            _set(self.data, question.key, value)

    def _settings(self) -> Settings:
        """The configuration as answered so far, validated as the kiosk will read it."""
        with tempfile.TemporaryDirectory() as tmp:
            candidate = Path(tmp) / "kiosk.toml"
            candidate.write_text(dump_toml(self.data), encoding="utf-8")
            try:
                return load(candidate, env={})
            except SettingsError as exc:
                raise SetupError(f"configuration: {exc}", EXIT_USAGE) from None

    def _check(self, step: Step, settings: Settings) -> list[str]:
        if not self.check or not step.checks:
            return []
        if step.checks == ("report_printer", "film_printer") and self.provision is not None:
            try:
                for line in self.provision(settings):
                    self.say(f"  {line}")
            except SetupError as exc:
                return [str(exc)]
            except Exception as exc:  # the printer checks below say what is wrong
                self.say(f"  CUPS queues not provisioned: {exc}")
        from kiosk_app.services import selftest

        checks_for = self.checks_for
        if checks_for is None:
            from kiosk_app.app import build_selftest

            checks_for = build_selftest
        wanted = [c for c in checks_for(settings) if c.name in step.checks]
        report = selftest.run(wanted, kiosk_id=settings.kiosk.id, version="")
        for result in report.results:
            self.say(f"  {result.level.label:<4}  {result.name}: {result.detail}")
        return [f"{r.name}: {r.detail}" for r in report.results if r.level is selftest.Level.FAIL]


def _terminal_ask(prompt: str, secret: bool) -> str:
    return getpass.getpass(prompt) if secret else input(prompt)


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``kiosk setup`` options: one per question, plus the mode switches."""
    parser.add_argument(
        "--answers", type=Path, metavar="FILE", help="TOML file of answers (name = value)"
    )
    parser.add_argument(
        "--non-interactive",
        action="store_true",
        help="ask nothing: options, answers file, current values and defaults",
    )
    parser.add_argument(
        "--no-check", action="store_true", help="write without the live checks (staging)"
    )
    parser.add_argument(
        "--provision-cups",
        action="store_true",
        help="only create the configured CUPS queues that are missing (no questions)",
    )
    group = parser.add_argument_group("answers")
    for question in QUESTIONS.values():
        group.add_argument(
            "--" + question.name.replace("_", "-"),
            dest=f"answer_{question.name}",
            metavar="VALUE",
            help=f"{question.prompt} [{question.key}]",
        )


def _config_path(args: argparse.Namespace) -> Path:
    if args.config:
        return Path(args.config)
    env = os.environ.get("KIOSK_CONFIG")
    return Path(env) if env else SYSTEM_CONFIG


def _given(args: argparse.Namespace) -> Answers:
    given: Answers = {}
    if args.answers:
        try:
            raw = tomllib.loads(Path(args.answers).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SetupError(f"answers file {args.answers}: {exc}", EXIT_USAGE) from None
        for name, value in raw.items():
            if isinstance(value, Mapping | list):
                raise SetupError(f"answers file: {name} must be a single value", EXIT_USAGE)
            given[name] = str(value).lower() if isinstance(value, bool) else str(value)
    for name in QUESTIONS:
        value = getattr(args, f"answer_{name}", None)
        if value is not None:
            given[name] = value
    return given


def main(args: argparse.Namespace) -> int:
    path = _config_path(args)
    try:
        if args.provision_cups:
            for line in provision_cups(load(path if path.is_file() else None)):
                print(line)
            return EXIT_OK
        given = _given(args)
        interactive = not (args.non_interactive or args.answers) and sys.stdin.isatty()
        if not interactive and not args.non_interactive and not args.answers and not given:
            raise SetupError(
                "no terminal to ask on: use --non-interactive with options or --answers FILE",
                EXIT_USAGE,
            )
        wizard = Wizard(
            path,
            given=given,
            interactive=interactive,
            check=not args.no_check,
            provision=provision_cups if os.geteuid() == 0 else None,
        )
        wizard.run()
    except SetupError as exc:
        print(f"kiosk: setup: {exc}", file=sys.stderr)
        return exc.exit_code
    except DriverError as exc:
        print(f"kiosk: setup: {exc.detail}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
