"""The ``kiosk`` command.

Every subcommand has ``--help``; on failure it exits non-zero with one line on stderr
(``kiosk: ...``); where it reports something, ``--json`` prints a machine-readable answer on
stdout. Exit codes: 0 success, 1 failure, 2 bad usage or configuration, 3 not available in this
version, 4 unknown code or nothing found, 5 the imaging cloud cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kiosk_app import __version__
from kiosk_app.core.errors import KioskError, NotAvailableError
from kiosk_app.settings import Settings, SettingsError, load

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A command-line problem with its exit code; ``str()`` is the one line shown."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _settings(args: argparse.Namespace) -> Settings:
    return load(args.config, demo=getattr(args, "demo", False))


def _emit(args: argparse.Namespace, data: Any, human: str) -> None:
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(human + ("\n" if human and not human.endswith("\n") else ""))


# --------------------------------------------------------------------------- commands


def cmd_print(args: argparse.Namespace) -> int:
    from kiosk_app.app import build

    settings = _settings(args)
    kiosk = build(settings, console_log=args.verbose)
    try:
        summary = kiosk.visit.print_code(args.code)
    finally:
        kiosk.close()
    lines = []
    for item in summary.items:
        unit = "page(s)" if item.kind.value == "report" else "sheet(s)"
        count = f" {item.count} {unit}" if item.count else ""
        why = f": {item.reason}" if item.reason else ""
        lines.append(
            f"{item.kind.value:6} {item.study_uid}  {item.state.value}{count}"
            f" on {item.printer}{why}"
        )
    if not summary.delivered and not summary.failed:
        lines.append("Nothing new was printed.")
    folders = {
        str(settings.output_dir(p))
        for p in (settings.printers.report, settings.printers.film)
        if p.backend == "folder"
    }
    lines.extend(f"PDFs are written to {folder}" for folder in sorted(folders))
    _emit(args, summary.to_json(), "\n".join(lines))
    if summary.failed:
        print(
            f"kiosk: {len(summary.failed)} item(s) did not print; see the summary", file=sys.stderr
        )
        return EXIT_FAILED
    return EXIT_OK


def cmd_prefetch(args: argparse.Namespace) -> int:
    from kiosk_app.app import build

    kiosk = build(_settings(args), console_log=args.verbose)
    try:
        if kiosk.prefetcher is None:
            raise CommandError(
                "prefetch needs [cloud] kind = dicomweb and [cache] enabled", EXIT_USAGE
            )
        report = kiosk.prefetcher.run_once()
    finally:
        kiosk.close()
    human = (
        f"prefetch: {report.studies_cached} of {report.studies_seen} studies cached, "
        f"{report.instances_fetched} instances fetched, {report.not_final} not final"
        + (", stopped: cache nearly full" if report.stopped_full else "")
    )
    _emit(args, report.to_json(), "\n".join([human, *report.errors]))
    return EXIT_FAILED if report.errors and not report.studies_cached else EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from kiosk_app.app import build
    from kiosk_app.health.endpoint import HealthEndpoint

    kiosk = build(_settings(args), console_log=args.verbose)
    try:
        snapshot = HealthEndpoint.for_kiosk(kiosk, serve=False).monitor.poll()
    finally:
        kiosk.close()
    data = snapshot.to_json()
    lines = [f"kiosk {data['kiosk_id']}: {data['level']}"]
    for name, component in snapshot.components.items():
        state = component.get("state") or (
            "reachable"
            if component.get("reachable")
            else "unreachable"
            if "reachable" in component
            else ""
        )
        lines.append(f"  {name}: {state}")
    lines.extend(
        f"  ! {c.component}: {c.reason} ({c.level.label})"
        for c in snapshot.conditions
        if c.level > 0
    )
    _emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.windowed:
        import dataclasses

        settings = dataclasses.replace(
            settings, ui=dataclasses.replace(settings.ui, fullscreen=False)
        )
    from kiosk_app.ui.main import run

    return run(settings)


def _quietly(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """pydicom warns on stderr about damaged files; the command's one line says what matters."""

    def run(args: argparse.Namespace) -> int:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return command(args)

    return run


@_quietly
def cmd_film(args: argparse.Namespace) -> int:
    from drivers.printer.sheet_pdf import sheet_to_png, sheets_to_pdf
    from kiosk_app.services import film

    try:
        layout = film.parse_display_format(args.layout) if args.layout else None
        window = film.parse_window(args.window) if args.window else None
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    out = Path(args.output)
    if out.suffix.lower() not in (".png", ".pdf"):
        raise CommandError(f"output {out.name}: must end in .png or .pdf", EXIT_USAGE)
    annotations = None
    if not args.no_annotations:
        annotations = film.AnnotationOptions(
            hospital_name=args.hospital, mask_name=not args.full_name
        )
    datasets = [_read_dicom(Path(p)) for p in args.files]
    frames, presentations = _film_frames(datasets)
    # Everything is composed before anything is written: a failure leaves no partial film.
    sheets = film.compose_sheets(
        datasets,
        film_size_id=args.film_size,
        dpi=args.dpi,
        layout=layout,
        margin_mm=args.margin,
        gutter_mm=args.gutter,
        window=window,
        landscape=args.landscape,
        annotations=annotations,
        frames=frames,
        presentations=presentations,
    )
    if out.suffix.lower() == ".pdf":
        files = {out: sheets_to_pdf(sheets, title=out.stem)}
    else:
        files = {
            out if len(sheets) == 1 else out.with_name(f"{out.stem}-{i}{out.suffix}"): (
                sheet_to_png(sheet)
            )
            for i, sheet in enumerate(sheets, 1)
        }
    try:
        for path, data in files.items():
            path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {exc.filename}: {exc.strerror}") from None
    _emit(
        args,
        {"sheets": len(sheets), "files": [str(p) for p in files]},
        "\n".join(str(p) for p in files),
    )
    return EXIT_OK


@_quietly
def cmd_render(args: argparse.Namespace) -> int:
    from drivers.printer.sheet_pdf import pixels_to_png
    from kiosk_app.services import film

    try:
        window = film.parse_window(args.window) if args.window else None
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    out = Path(args.output)
    if out.suffix.lower() != ".png":
        raise CommandError(f"output {out.name}: must end in .png", EXIT_USAGE)
    ds = _read_dicom(Path(args.file))
    if args.pstate:
        pixels = _presented_frame(ds, args.frame, _read_dicom(Path(args.pstate)), window)
    else:
        pixels = film.display_frame(ds, frame=args.frame, window=window)
    try:
        out.write_bytes(pixels_to_png(pixels))
    except OSError as exc:
        raise CommandError(f"cannot write {exc.filename}: {exc.strerror}") from None
    _emit(
        args,
        {"file": str(out), "rows": int(pixels.shape[0]), "columns": int(pixels.shape[1])},
        str(out),
    )
    return EXIT_OK


def _film_frames(datasets: Sequence[Any]) -> tuple[list[Any] | None, dict[Any, Any] | None]:
    """What ``kiosk film`` prints: every frame of the images given, in order, or the key images
    of the Key Object Selection documents among them, in their order; and how the presentation
    states among them show those frames. (None, None) when there are neither."""
    from kiosk_app.services.film.plan import (
        KEY_OBJECT_SELECTION,
        key_images,
        kos_presentation_states,
    )
    from kiosk_app.services.film.presentation import is_presentation_state, presentations
    from kiosk_app.services.film.sheets import frames_of

    selections = [ds for ds in datasets if str(ds.get("SOPClassUID", "")) == KEY_OBJECT_SELECTION]
    states = [ds for ds in datasets if is_presentation_state(ds)]
    if not selections and not states:
        return None, None
    others = {id(ds) for ds in (*selections, *states)}
    images = [ds for ds in datasets if id(ds) not in others]
    frames = key_images(datasets, images) if selections else frames_of(images)
    if selections and not frames:
        raise CommandError("the key object selection names none of the images given")
    chosen, named = kos_presentation_states(datasets)
    return frames, presentations(datasets, frames, chosen, named)


def _presented_frame(ds: Any, frame: int, state: Any, window: Any) -> Any:
    from kiosk_app.services.film.presentation import presentations, render_presented

    found = presentations([state], [(ds, frame)])
    presentation = found.get((str(ds.get("SOPInstanceUID", "")), frame))
    if presentation is None:
        raise CommandError(
            f"the presentation state is not a usable Grayscale Softcopy Presentation State "
            f"for frame {frame} of this image"
        )
    return render_presented(ds, frame, presentation, window)[1]


def _read_dicom(path: Path) -> Any:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        try:
            return pydicom.dcmread(path)
        except InvalidDicomError:
            # Files without a Part 10 header are read as implicit VR little endian.
            return pydicom.dcmread(path, force=True)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (InvalidDicomError, OSError, ValueError, EOFError) as exc:
        raise CommandError(f"{path}: not a readable DICOM file ({exc})") from None


def cmd_health_server(args: argparse.Namespace) -> int:
    import signal
    import threading

    from kiosk_app.app import build
    from kiosk_app.health.endpoint import HealthEndpoint
    from kiosk_app.services.operations import EXIT_RESTART

    kiosk = build(_settings(args), console_log=True)
    try:
        endpoint = HealthEndpoint.for_kiosk(kiosk)
    except OSError as exc:
        health = kiosk.settings.health
        kiosk.close()
        raise CommandError(
            f"cannot listen on {health.bind}:{health.port}: {exc.strerror}"
        ) from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    endpoint.start()
    kiosk.start_background()
    assert endpoint.server is not None
    print(
        f"health endpoint on {endpoint.server.server_address[0]!s}:{endpoint.server.port}",
        flush=True,
    )
    code = EXIT_OK
    try:
        while not stop.wait(0.5):
            if kiosk.operations.restart_due():  # asked for by the centre; systemd restarts
                print("restarting, as the monitoring centre asked", flush=True)
                code = EXIT_RESTART
                break
    finally:
        endpoint.stop()
        kiosk.operations.wait_followers(5)
        kiosk.close()
    return code


def cmd_decode(args: argparse.Namespace) -> int:
    from drivers.errors import DriverError
    from drivers.scanner.decode import best_decoder, decode_file

    try:
        decoder = best_decoder()
    except DriverError as exc:
        raise CommandError(exc.detail) from None
    results: list[dict[str, Any]] = []
    lines: list[str] = []
    unreadable = 0
    for name in args.images:
        try:
            codes = decode_file(Path(name), decoder)
        except DriverError as exc:
            print(f"kiosk: {exc.detail}", file=sys.stderr)
            unreadable += 1
            results.append({"file": name, "error": exc.detail, "codes": []})
            continue
        found = [
            {"text": c.text, "symbology": c.symbology}
            if c.printable
            else {"hex": c.raw.hex(), "symbology": c.symbology}
            for c in codes
        ]
        results.append({"file": name, "codes": found})
        lines.extend(
            f"{name}: [{c['symbology']}] {c.get('text', 'hex:' + str(c.get('hex')))}" for c in found
        )
        if not found:
            lines.append(f"{name}: no barcode found")
    _emit(args, {"engine": decoder.name, "images": results}, "\n".join(lines))
    if unreadable:
        return EXIT_FAILED
    return EXIT_OK if any(r["codes"] for r in results) else 4


def cmd_read_card(args: argparse.Namespace) -> int:
    from drivers.idcard.errors import IdCardError
    from drivers.idcard.serial_reader import SerialIdCardReader

    available = SerialIdCardReader.is_available()
    if not available.ok:
        raise CommandError(available.missing, 3)
    try:
        with SerialIdCardReader(args.port, baudrate=args.baud) as reader:
            card = reader.wait_for_card(timeout=args.wait)
    except IdCardError as exc:
        raise CommandError(f"ID card reader on {args.port}: {exc.detail}") from None
    if card is None:
        raise CommandError(f"no card was placed on the reader within {args.wait:g} s", 4)
    fields = card.fields()
    width = max(len(k) for k in fields)
    _emit(args, fields, "\n".join(f"{k:<{width}}  {v}" for k, v in fields.items()))
    return EXIT_OK


def cmd_selftest(args: argparse.Namespace) -> int:
    from kiosk_app.app import build_selftest
    from kiosk_app.services import selftest

    settings = _settings(args)
    report = selftest.run(build_selftest(settings), kiosk_id=settings.kiosk.id, version=__version__)
    _emit(args, report.to_json(), "\n".join(report.lines()))
    return report.exit_code


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from kiosk_app.store import Store, audit

    settings = _settings(args)
    path = settings.database_path
    if not path.is_file():
        raise CommandError(f"no database at {path}", 4)
    store = Store.open(path)
    try:
        with store.session() as session:
            verdict = audit.verify(session)
    finally:
        store.close()
    if verdict.intact:
        _emit(args, verdict.to_json(), f"audit log intact: {verdict.rows} rows")
        return EXIT_OK
    _emit(args, verdict.to_json(), "")
    print(f"kiosk: audit log broken at row {verdict.broken_id}: {verdict.reason}", file=sys.stderr)
    return EXIT_FAILED


def cmd_retention(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from kiosk_app.store import Store, retention
    from offline_cache.errors import KeyFileError
    from offline_cache.keyfile import load_or_create_key

    settings = _settings(args)
    path = settings.database_path
    if not path.is_file():
        raise CommandError(f"no database at {path}", 4)
    try:
        key = load_or_create_key(settings.patient_ref_key_file)
    except (KeyFileError, OSError) as exc:
        raise CommandError(f"patient ref key: {exc}") from None
    days = settings.policy.retention_days
    store = Store.open(path)
    try:
        report = retention.run(store, key, timedelta(days=days), apply=args.apply)
    finally:
        store.close()
    verb = "redacted" if report.applied else "due (dry run; --apply to redact)"
    human = (
        f"{report.jobs} job(s) and {report.deliveries} delivery(ies) finished before "
        f"{report.before.date().isoformat()} (retention {days} days): {verb}"
    )
    _emit(args, {**report.to_json(), "retention_days": days}, human)
    return EXIT_OK


def cmd_setup(args: argparse.Namespace) -> int:
    from kiosk_app import setup_wizard

    return setup_wizard.main(args)


def not_available(feature: str) -> Callable[[argparse.Namespace], int]:
    def command(_args: argparse.Namespace) -> int:
        raise NotAvailableError(feature=feature)

    return command


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Film & report print kiosk for radiology patients."
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str,
        help_text: str,
        func: Callable[[argparse.Namespace], int],
        *,
        config: bool = True,
        demo: bool = False,
        as_json: bool = False,
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        if config:
            p.add_argument(
                "--config",
                type=Path,
                metavar="FILE",
                help="settings file (default: $KIOSK_CONFIG, /etc/kiosk/kiosk.toml)",
            )
        if demo:
            p.add_argument(
                "--demo",
                action="store_true",
                help="embedded demo: local archive, printers writing PDFs to a folder",
            )
        if as_json:
            p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("-v", "--verbose", action="store_true", help="log to the console too")
        return p

    p = add("run", "the fullscreen kiosk", cmd_run, demo=True)
    p.add_argument("--windowed", action="store_true", help="a normal window (development)")

    p = add("print", "the whole patient flow without a screen", cmd_print, demo=True, as_json=True)
    p.add_argument("code", help="exam-slip accession number or ID number")

    add(
        "prefetch", "cache recently finished exams for offline printing", cmd_prefetch, as_json=True
    )

    p = add("film", "compose film sheets from DICOM files", cmd_film, config=False, as_json=True)
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="images; a Key Object Selection among them prints its key images in its order, "
        "and Grayscale Softcopy Presentation States are applied to the images they reference",
    )
    p.add_argument(
        "--layout",
        help="COLUMNSxROWS such as 4x5, or a DICOM display format such as STANDARD\\4,5, "
        "ROW\\2,3 or COL\\1,2 (default: the smallest grid up to 4x5 that holds the images)",
    )
    p.add_argument("--film-size", default="14INX17IN", help="DICOM Film Size ID")
    p.add_argument("--dpi", type=int, default=300, help="the printer's dpi (default 300)")
    p.add_argument("--landscape", action="store_true", help="long edge horizontal")
    p.add_argument("--margin", type=float, default=5.0, metavar="MM", help="default 5 mm")
    p.add_argument("--gutter", type=float, default=2.0, metavar="MM", help="default 2 mm")
    p.add_argument(
        "--window",
        help="center,width[,function] for every image (a negative center: "
        "--window=-600,1500); the file's VOI LUT Function is kept unless one of LINEAR, "
        "LINEAR_EXACT, SIGMOID is given; default: each file's first window, else automatic",
    )
    p.add_argument("--no-annotations", action="store_true", help="the images without text")
    p.add_argument("--hospital", default="", help="hospital name printed on each image")
    p.add_argument(
        "--full-name", action="store_true", help="print the patient name unmasked (张小三)"
    )
    p.add_argument("-o", "--output", required=True, help="OUT.png (one per sheet) or OUT.pdf")

    p = add(
        "render",
        "one frame at native resolution after the pixel pipeline",
        cmd_render,
        config=False,
        as_json=True,
    )
    p.add_argument("file")
    p.add_argument("--frame", type=int, default=0, help="frame number from 0 (default 0)")
    p.add_argument(
        "--window",
        help="center,width[,function] in modality units, e.g. 40,400 (a negative center: "
        "--window=-600,1500); the file's VOI LUT Function is kept unless one of LINEAR, "
        "LINEAR_EXACT, SIGMOID is given (40,400,LINEAR); default: the file's first window, "
        "else automatic",
    )
    p.add_argument(
        "--pstate",
        metavar="FILE",
        help="a Grayscale Softcopy Presentation State to show the frame with: its LUTs, "
        "shutters, rotation, flip and displayed area (not its graphics)",
    )
    p.add_argument("-o", "--output", required=True, help="OUT.png")

    p = add(
        "decode",
        "barcodes and QR codes found in image files",
        cmd_decode,
        config=False,
        as_json=True,
    )
    p.add_argument("images", nargs="+", metavar="IMAGE")

    p = add(
        "read-card",
        "read one ID card from a reader on a serial port",
        cmd_read_card,
        config=False,
        as_json=True,
    )
    p.add_argument("--port", required=True, help="serial device, e.g. /dev/ttyUSB0")
    p.add_argument("--baud", type=int, default=115200, help="reader speed (default 115200)")
    p.add_argument(
        "--wait", type=float, default=10.0, help="seconds to wait for a card (default 10)"
    )

    add(
        "status",
        "the health snapshot the monitoring centre sees",
        cmd_status,
        demo=True,
        as_json=True,
    )
    add(
        "health-server",
        "serve /healthz, /status and /metrics without a screen",
        cmd_health_server,
        demo=True,
    )
    add(
        "selftest",
        "check every configured device and the cloud",
        cmd_selftest,
        demo=True,
        as_json=True,
    )
    p = sub.add_parser(
        "audit",
        help="the tamper-evident audit log",
        description="the tamper-evident audit log",
    )
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = audit_sub.add_parser(
        "verify",
        help="check the audit log's hash chain (exit 1 and the first broken row if broken)",
        description="check the audit log's hash chain; exit 1 and the first broken row "
        "if it is not intact",
    )
    p.set_defaults(func=cmd_audit_verify)
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="settings file (default: $KIOSK_CONFIG, /etc/kiosk/kiosk.toml)",
    )
    p.add_argument("--demo", action="store_true", help="the demo profile's database")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("-v", "--verbose", action="store_true", help="log to the console too")
    p = add(
        "retention",
        "replace the PatientIDs and accession numbers of finished items older than "
        "[policy] retention_days by keyed hashes (the running kiosk does it by itself)",
        cmd_retention,
        demo=True,
        as_json=True,
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--dry-run", action="store_true", help="count what is due and change nothing (default)"
    )
    mode.add_argument("--apply", action="store_true", help="redact what is due, and audit it")
    p = add("setup", "first-run configuration (interactive, or with options)", cmd_setup)
    from kiosk_app.setup_wizard import add_arguments

    add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Until a command configures logging, nothing reaches the console but its one-line verdict.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(f"kiosk: configuration: {exc}", file=sys.stderr)
        return exc.exit_code
    except KioskError as exc:
        print(f"kiosk: {exc} [{exc.message_id}]", file=sys.stderr)
        return exc.exit_code
    except CommandError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("kiosk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line, details in the log
        log.exception("unexpected error in 'kiosk %s'", args.command)
        print(
            f"kiosk: internal error ({type(exc).__name__}); details are in the log", file=sys.stderr
        )
        return EXIT_FAILED
