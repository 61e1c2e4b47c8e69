"""The screens' Qt translation files, generated from the message catalogue.

``assets/i18n/kiosk_<locale>.ts`` (Qt Linguist's TS 2.1 XML) holds, per locale, one message in
the context ``kiosk`` for each catalogue id: the id as the source, the catalogue's sentence as
the translation, and the English sentence as a comment for the translator (with its
``{placeholders}``, which the translation keeps). ``pyside6-lrelease`` compiles each to the
``.qm`` the running kiosk loads (:mod:`kiosk_app.ui.translator`).

The catalogue (:mod:`kiosk_app.core.messages`) is the source of truth: ``--update`` rewrites the
files from it, ``--check`` says what differs (a translator's edits included)::

    python -m kiosk_app.ui.translations --update
    python -m kiosk_app.ui.translations --check

No Qt is imported here: the files are written as Qt Linguist writes them, and compiled by the
tool that comes with the PySide6 wheel.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from kiosk_app.core import messages
from kiosk_app.settings import REPO_ROOT

I18N_DIR = REPO_ROOT / "assets" / "i18n"
#: the translation context of every screen text (``QCoreApplication.translate(CONTEXT, id)``)
CONTEXT = "kiosk"
#: the languages the screens speak, Chinese first (the default)
LOCALES = ("zh_CN", "en")
#: the language of the comments for translators
COMMENT_LOCALE = "en"
UPDATE_COMMAND = "python -m kiosk_app.ui.translations --update"


class TranslationsError(Exception):
    """The translation files cannot be written or compiled (``pyside6-lrelease`` missing)."""


def ts_path(locale: str, directory: Path = I18N_DIR) -> Path:
    return directory / f"kiosk_{locale}.ts"


def qm_path(locale: str, directory: Path = I18N_DIR) -> Path:
    return directory / f"kiosk_{locale}.qm"


def _protect(text: str) -> str:
    """``text`` escaped as Qt Linguist escapes it (so a file saved by Linguist diffs cleanly):
    markup characters and quotes as entities, control characters and non-ASCII spaces (the
    full-width space of Chinese text) as numeric references, line breaks kept."""
    out = []
    for char in text:
        code = ord(char)
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif (code < 0x20 or (code > 0x7F and char.isspace())) and char not in "\n\t":
            out.append(f"&#x{code:x};")
        else:
            out.append(char)
    return "".join(out)


_ENTITIES = {'"': "&quot;", "&": "&amp;", ">": "&gt;", "<": "&lt;", "'": "&apos;"}


def render_ts(locale: str) -> str:
    """The TS file for ``locale``: every catalogue id, in id order."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!DOCTYPE TS>",
        f'<TS version="2.1" language="{locale}" sourcelanguage="{COMMENT_LOCALE}">',
        "<context>",
        f"    <name>{CONTEXT}</name>",
    ]
    for message_id in sorted(messages.message_ids()):
        texts = messages.locales_of(message_id)
        lines += ["    <message>", f"        <source>{_protect(message_id)}</source>"]
        if comment := texts.get(COMMENT_LOCALE, ""):
            # <extracomment>, not <comment>: a <comment> would be part of the lookup key
            lines.append(f"        <extracomment>{_protect(comment)}</extracomment>")
        if translation := texts.get(locale, ""):
            lines.append(f"        <translation>{_protect(translation)}</translation>")
        else:  # the screen shows the catalogue's fallback until a translator fills it in
            lines.append('        <translation type="unfinished"></translation>')
        lines.append("    </message>")
    lines += ["</context>", "</TS>", ""]
    return "\n".join(lines)


def read_ts(path: Path) -> dict[str, str]:
    """The finished translations of a TS file, by message id (in the ``kiosk`` context)."""
    root = ET.parse(path).getroot()
    found: dict[str, str] = {}
    for context in root.iter("context"):
        if context.findtext("name") != CONTEXT:
            continue
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete"):
                continue
            found[message.findtext("source", "")] = translation.text or ""
    return found


def lrelease() -> Path:
    """Qt's ``lrelease`` as the PySide6 wheel installs it (beside this Python, or on PATH)."""
    beside = Path(sys.executable).with_name("pyside6-lrelease")
    if beside.exists():
        return beside
    found = shutil.which("pyside6-lrelease")
    if found is None:
        raise TranslationsError("pyside6-lrelease not found (it comes with PySide6)")
    return Path(found)


def compile_qm(ts: Path, qm: Path) -> None:
    """``ts`` compiled to ``qm`` (unfinished messages left out: the catalogue covers them)."""
    done = subprocess.run(
        [str(lrelease()), "-silent", "-nounfinished", str(ts), "-qm", str(qm)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not qm.exists():
        raise TranslationsError(f"lrelease {ts.name} failed: {done.stderr.strip() or done.stdout}")


def update(directory: Path = I18N_DIR) -> list[Path]:
    """Write every locale's TS file from the catalogue and compile it; the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for locale in LOCALES:
        ts, qm = ts_path(locale, directory), qm_path(locale, directory)
        ts.write_text(render_ts(locale), encoding="utf-8")
        compile_qm(ts, qm)
        written += [ts, qm]
    return written


def problems(directory: Path = I18N_DIR) -> list[str]:
    """What keeps the files in ``directory`` from being what :func:`update` writes: missing
    files, translations that differ from the catalogue (a translator's edits, to carry into
    ``kiosk_app/core/messages.py``), and ``.qm`` files not compiled from the current TS."""
    found = []
    with tempfile.TemporaryDirectory() as scratch:
        for locale in LOCALES:
            ts, qm = ts_path(locale, directory), qm_path(locale, directory)
            if not ts.exists():
                found.append(f"{ts.name}: missing")
                continue
            if ts.read_text(encoding="utf-8") != render_ts(locale):
                found.append(f"{ts.name}: not what the catalogue makes")
                catalogue = {  # the finished translations render_ts writes
                    i: text
                    for i in messages.message_ids()
                    if (text := messages.locales_of(i).get(locale))
                }
                edited = read_ts(ts)
                for message_id in sorted(catalogue.keys() | edited.keys()):
                    ours, theirs = catalogue.get(message_id), edited.get(message_id)
                    if ours != theirs:
                        found.append(f"  {message_id}: catalogue {ours!r}, {ts.name} {theirs!r}")
            if not qm.exists():
                found.append(f"{qm.name}: missing")
                continue
            fresh = Path(scratch) / qm.name
            compile_qm(ts, fresh)
            if fresh.read_bytes() != qm.read_bytes():
                found.append(f"{qm.name}: not compiled from {ts.name}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk_app.ui.translations",
        description="Write the screens' Qt translation files (assets/i18n) from the catalogue.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--update", action="store_true", help="write the .ts and compile the .qm")
    action.add_argument("--check", action="store_true", help="say what is not current (exit 1)")
    parser.add_argument("--dir", type=Path, default=I18N_DIR, help="default: %(default)s")
    args = parser.parse_args(argv)
    try:
        if args.update:
            for path in update(args.dir):
                print(path)
            return 0
        found = problems(args.dir)
    except (TranslationsError, OSError, ET.ParseError) as exc:
        print(f"translations: {exc}", file=sys.stderr)
        return 1
    for line in found:
        print(line)
    if found:
        print(f"to write them from the catalogue: {UPDATE_COMMAND}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
