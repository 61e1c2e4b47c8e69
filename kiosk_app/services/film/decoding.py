"""Compressed pixel data to stored values: a chain of decoders, the fast one first.

For each frame the decoders are tried in this order, the first that decodes it wins:

1. **pylibjpeg** (libjpeg, OpenJPEG, pylibjpeg-rle): JPEG baseline and extended, JPEG 2000,
   HTJ2K, RLE.
2. **pydicom** (its own RLE decoder) and **pyjpegls** (CharLS, when installed).
3. **GDCM** (IJG libjpeg 8/12/16-bit, CharLS, OpenJPEG) last, except for lossless JPEG and
   JPEG-LS, where it is the fastest and comes first (:data:`GDCM_FIRST`). Through its own frame
   decoder here
   rather than pydicom's GDCM plug-in, which refuses 12-bit JPEG Extended. GDCM reads what
   pylibjpeg refuses: 12-bit JPEG Extended whose scan header is not strictly sequential
   (libjpeg: "A misplaced marker segment was found"; IJG and dcmtk only warn), and the
   retired JPEG processes (spectral selection, progressive, ...) pydicom has no decoder for.

None of these decoders releases the GIL, so threads decode one frame at a time:
:func:`submit` decodes a sheet's frames in decoder processes, side by side (one per core).

A frame no decoder reads is refused with a plain :class:`FilmError` naming the transfer
syntax; what each decoder said is logged at DEBUG only (it is library text, not a message
for the nurse).

pydicom's own decoders are left as they are: the chain uses decoder objects of its own, so
installing GDCM changes nothing for other code in the process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Any

import numpy as np
from pydicom import uid as uids
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, get_frame
from pydicom.pixels import as_pixel_options
from pydicom.pixels.decoders.base import Decoder
from pydicom.uid import UID

from kiosk_app.services.film.errors import FilmError, brief
from kiosk_app.services.film.workers import WORKERS

if TYPE_CHECKING:
    from pydicom.pixels.decoders.base import DecodeRunner

logger = logging.getLogger(__name__)

try:  # GDCM is a dependency, but a kiosk without it still prints what pylibjpeg reads
    import gdcm

    gdcm.Trace.WarningOff()
    HAVE_GDCM = True
except ImportError:  # pragma: no cover - the package installs python-gdcm
    gdcm = None
    HAVE_GDCM = False

CHAIN: tuple[tuple[str, tuple[str, str]], ...] = (
    ("pylibjpeg", ("pydicom.pixels.decoders.pylibjpeg", "_decode_frame")),
    ("pydicom", ("pydicom.pixels.decoders.rle", "_decode_frame")),
    ("pyjpegls", ("pydicom.pixels.decoders.pyjpegls", "_decode_frame")),
    ("gdcm", ("kiosk_app.services.film.decoding", "gdcm_frame")),
)
"""(label, (module, function)) of each decoder, in the order they are tried."""

GDCM_FIRST = frozenset(
    (uids.JPEGLossless, uids.JPEGLosslessSV1, uids.JPEGLSLossless, uids.JPEGLSNearLossless,
     uids.JPEG2000Lossless)
)  # fmt: skip
"""Where GDCM comes before pylibjpeg: lossless JPEG (GDCM's IJG decodes a 512x512 CT slice in
11 ms where libjpeg takes 15), JPEG-LS (CharLS: 9 ms where libjpeg takes 20) and lossless JPEG
2000 (23 ms where pylibjpeg-openjpeg takes 36; lossless, so both give the same values). GDCM's
output for these agrees with dcmtk's (tests/e2e/test_film_transfer_syntaxes.py)."""

# The encapsulated syntaxes GDCM decodes (its JPEG, JPEG-LS and JPEG 2000 codecs).
_GDCM_SYNTAXES = frozenset(
    UID(u)
    for u in (
        uids.JPEGBaseline8Bit, uids.JPEGExtended12Bit, uids.JPEGLossless, uids.JPEGLosslessSV1,
        uids.JPEGLSLossless, uids.JPEGLSNearLossless, uids.JPEG2000Lossless, uids.JPEG2000,
        "1.2.840.10008.1.2.4.52", "1.2.840.10008.1.2.4.53", "1.2.840.10008.1.2.4.54",
        "1.2.840.10008.1.2.4.55", "1.2.840.10008.1.2.4.56", "1.2.840.10008.1.2.4.58",
        "1.2.840.10008.1.2.4.59", "1.2.840.10008.1.2.4.60", "1.2.840.10008.1.2.4.61",
        "1.2.840.10008.1.2.4.62", "1.2.840.10008.1.2.4.63", "1.2.840.10008.1.2.4.64",
        "1.2.840.10008.1.2.4.65", "1.2.840.10008.1.2.4.66",
    )
)  # fmt: skip
DECODER_DEPENDENCIES = {u: ("python-gdcm>=3.0",) for u in _GDCM_SYNTAXES}
"""What pydicom's plug-in interface asks of a decoder module (for :data:`CHAIN`'s GDCM)."""


class _PluginFailuresAtDebug(logging.Filter):
    """pydicom logs every decoding plug-in's failure as an ERROR with a traceback, before the
    chain tries the next decoder (which may well succeed); the chain says itself, at DEBUG,
    what each decoder refused, so pydicom's records are lowered to DEBUG too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.exc_info:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("pydicom.pixels.decoders.base").addFilter(_PluginFailuresAtDebug())
_STDERR_LOCK = threading.Lock()
_DECODERS: dict[tuple[UID, tuple[str, ...]], Decoder | None] = {}
_LOCK = threading.Lock()


def is_available(uid: str) -> bool:
    """Whether GDCM is installed and decodes ``uid`` (pydicom's plug-in interface)."""
    return HAVE_GDCM and UID(uid) in _GDCM_SYNTAXES


def decoder_for(uid: UID, labels: tuple[str, ...] | None = None) -> Decoder | None:
    """This chain's decoder for a compressed transfer syntax, or None when no decoder of
    the chain (or of ``labels``, a subset of it, for tests) is installed for it."""
    wanted = tuple(label for label, _ in CHAIN) if labels is None else labels
    key = (UID(uid), wanted)
    if not (key[0].is_transfer_syntax and key[0].is_compressed):
        return None
    with _LOCK:
        if key not in _DECODERS:
            decoder = Decoder(key[0])
            for label, (module, function) in CHAIN:
                try:
                    plugin = import_module(module) if label in wanted else None
                except ImportError as exc:
                    logger.debug("decoder %s cannot be loaded: %s", label, brief(exc))
                    plugin = None
                if (  # pyjpegls' is_available says yes to any syntax
                    plugin is not None
                    and key[0] in plugin.DECODER_DEPENDENCIES
                    and plugin.is_available(key[0])
                ):
                    decoder.add_plugin(label, (module, function))
            _DECODERS[key] = decoder if decoder.is_available else None
        return _DECODERS[key]


def decode(ds: Dataset, uid: UID, frame: int, syntax: str) -> tuple[np.ndarray, dict[str, Any]]:
    """One frame of compressed pixel data as stored values, and pydicom's pixel properties
    after decoding (its photometric interpretation, say), decoded in this thread.

    Raises:
        FilmError: no decoder for the syntax, or none of them decodes the frame.
    """
    _require_decoder(uid, syntax)
    pixels, meta, failures = _run_chain(uid, ds, frame, as_pixel_options(ds))
    return _finish(pixels, meta, failures, frame, syntax)


def _require_decoder(uid: UID, syntax: str) -> Decoder:
    decoder = decoder_for(uid)
    if decoder is None:
        if uid.is_transfer_syntax and uid.is_compressed:
            raise FilmError(detail=f"pixel data in {syntax} cannot be decoded here (no decoder)")
        raise FilmError(detail=f"pixel data in {syntax} is not supported")
    return decoder


_Failures = list[tuple[str, BaseException]]


def _run_chain(
    uid: UID, source: Dataset | bytes, frame: int, options: dict[str, Any]
) -> tuple[np.ndarray | None, dict[str, Any], _Failures]:
    """The chain over one frame: (pixels, properties, what the decoders before said), or
    (None, {}, what every decoder said)."""
    decoder = decoder_for(uid)
    available = set(decoder.available_plugins) if decoder is not None else set()
    failures: _Failures = []
    for label in _order(uid, available):
        try:
            pixels, meta = decoder.as_array(  # type: ignore[union-attr]
                source, index=frame, decoding_plugin=label, **options
            )
            return pixels, meta, failures
        except Exception as exc:  # decoders raise anything on data they refuse
            failures.append((label, exc))
    return None, {}, failures


def _order(uid: UID, available: set[str]) -> list[str]:
    """The chain's decoders for ``uid``, GDCM first where it is the faster (:data:`GDCM_FIRST`)."""
    labels = [label for label, _ in CHAIN if label in available]
    if uid in GDCM_FIRST and "gdcm" in labels:
        labels.remove("gdcm")
        labels.insert(0, "gdcm")
    return labels


def _finish(
    pixels: np.ndarray | None,
    meta: dict[str, Any],
    failures: _Failures,
    frame: int,
    syntax: str,
) -> tuple[np.ndarray, dict[str, Any]]:
    """What the chain gave, its decoders' refusals logged at DEBUG."""
    for label, exc in failures:
        logger.debug(
            "decoder %s could not decode frame %d of pixel data in %s: %s",
            label, frame, syntax, brief(exc),
        )  # fmt: skip
    if pixels is None:
        cause = failures[-1][1] if failures else None
        raise FilmError(detail=f"pixel data in {syntax} could not be decoded") from cause
    return pixels, meta


# --- decoding in other processes ----------------------------------------------------------

PARALLEL_MIN_PIXELS = 128 * 128
"""Frames at least this large are decoded in the decoder processes by :func:`submit`."""

_POOL: ProcessPoolExecutor | None = None
_POOL_BROKEN = False
_POOL_LOCK = threading.Lock()


def submit(ds: Dataset, frame: int) -> Future[Any] | None:
    """Start decoding one compressed frame in a decoder process; :func:`collect` takes the
    result. None when the frame is better decoded in the caller's thread (native pixel data,
    a small frame, one core only, anything odd: :func:`decode` then says what is wrong).

    pylibjpeg's decoders and GDCM hold the GIL while they decode, so threads decode one frame
    at a time however many cores there are; processes decode a sheet's frames side by side,
    while the threads that asked go on with the frames already decoded (lookup tables,
    resampling). A decoder that crashes on a damaged frame takes down its process, not the
    kiosk."""
    if WORKERS < 2 or _POOL_BROKEN:
        return None
    try:
        uid = UID(str(ds.file_meta.TransferSyntaxUID))
        compressed = uid.is_transfer_syntax and uid.is_compressed
        decoder = decoder_for(uid) if compressed else None
        if decoder is None:
            return None
        if uid == uids.RLELossless and "pylibjpeg" in decoder.available_plugins:
            return None  # 1.4 ms a CT slice: less than the round trip to a process
        options = as_pixel_options(ds)
        if int(options["rows"]) * int(options["columns"]) < PARALLEL_MIN_PIXELS:
            return None
        data = get_frame(
            ds.PixelData,
            frame,
            number_of_frames=int(options["number_of_frames"]),
            extended_offsets=options.pop("extended_offsets", None),
        )
    except Exception as exc:  # the thread's own decoding will report it properly
        logger.debug("frame %d is decoded in this thread: %s", frame, brief(exc))
        return None
    options["number_of_frames"] = 1
    try:
        return _pool().submit(_decode_in_process, str(uid), encapsulate([data]), options)
    except (BrokenProcessPool, OSError, RuntimeError) as exc:  # died, or cannot start
        _reset_pool(broken=True)
        logger.warning(
            "the film's decoder processes failed (%s); decoding in the kiosk's process",
            brief(exc),
        )
        return None


def collect(
    future: Future[Any], ds: Dataset, uid: UID, frame: int, syntax: str
) -> tuple[np.ndarray, dict[str, Any]]:
    """The result of :func:`submit`, as :func:`decode` gives it. Should the decoder
    processes fail (a process died, or could not start), the frame is decoded in this
    thread instead, and no more frames go to processes.

    Raises:
        FilmError: no decoder decoded the frame.
    """
    try:
        pixels, meta, refusals = future.result()
    except (BrokenProcessPool, OSError, RuntimeError) as exc:
        _reset_pool(broken=True)
        logger.warning(
            "the film's decoder processes failed (%s); decoding in the kiosk's process",
            brief(exc),
        )
        return decode(ds, uid, frame, syntax)
    failures: _Failures = [(label, RuntimeError(text)) for label, text in refusals]
    return _finish(pixels, meta, failures, frame, syntax)


def use_processes(enabled: bool) -> None:
    """Decode in processes (the default, with two cores or more) or only in the caller's
    threads (for benchmarks comparing the two)."""
    global _POOL_BROKEN
    _POOL_BROKEN = not enabled


def warm_up() -> None:
    """Start the decoder processes now (they take about a second to import the decoders),
    so that the first film does not wait for them; returns at once. For the kiosk's start."""
    if WORKERS < 2 or _POOL_BROKEN:
        return
    pool = _pool()
    for _ in range(WORKERS):
        pool.submit(os.getpid)


def _pool() -> ProcessPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            # spawn: a fresh interpreter, never a fork of a process with Qt and threads
            _POOL = ProcessPoolExecutor(
                max_workers=WORKERS,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_quiet_process,
            )
        return _POOL


def _reset_pool(broken: bool = False) -> None:
    global _POOL, _POOL_BROKEN
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
        _POOL_BROKEN = _POOL_BROKEN or broken
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _quiet_process() -> None:
    """A decoder process says nothing on the console: refusals go back to the kiosk's log."""
    logging.getLogger().addHandler(logging.NullHandler())
    warnings.simplefilter("ignore")


def _decode_in_process(
    uid: str, data: bytes, options: dict[str, Any]
) -> tuple[np.ndarray | None, dict[str, Any], list[tuple[str, str]]]:
    pixels, meta, failures = _run_chain(UID(uid), data, 0, options)
    return pixels, meta, [(label, brief(exc)) for label, exc in failures]


def gdcm_frame(src: bytes, runner: DecodeRunner) -> bytes:
    """One encapsulated frame decoded by GDCM (pydicom's decoding-plug-in signature)."""
    if gdcm is None:  # pragma: no cover - is_available said no
        raise RuntimeError("GDCM is not installed")
    syntax = runner.transfer_syntax
    bits_stored = int(runner.bits_stored)
    # GDCM's JPEG-LS and JPEG 2000 codecs size their output by the codestream's precision,
    # and give JPEG-LS colour pixel by pixel.
    if syntax in uids.JPEGLSTransferSyntaxes:
        runner.set_option("planar_configuration", 0)
        bits_stored = int(runner.get_option("jls_precision", bits_stored))
    elif syntax in uids.JPEG2000TransferSyntaxes:
        bits_stored = int(runner.get_option("j2k_precision", bits_stored))
    if syntax in uids.JPEGLSTransferSyntaxes or syntax in uids.JPEG2000TransferSyntaxes:
        allocated = next(size for size in (8, 16, 32) if bits_stored <= size)
        runner.set_option("bits_allocated", allocated)

    fragment = gdcm.Fragment()
    fragment.SetByteStringValue(src)
    fragments = gdcm.SequenceOfFragments.New()
    fragments.AddFragment(fragment)
    element = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    element.SetValue(fragments.__ref__())

    image = gdcm.Image()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((int(runner.columns), int(runner.rows), 1))
    image.SetDataElement(element)
    photometric = gdcm.PhotometricInterpretation.GetPIType(str(runner.photometric_interpretation))
    image.SetPhotometricInterpretation(gdcm.PhotometricInterpretation(photometric))
    if int(runner.samples_per_pixel) > 1:
        image.SetPlanarConfiguration(int(runner.planar_configuration))
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.GetTSType(str(syntax))))
    samples, allocated = int(runner.samples_per_pixel), int(runner.bits_allocated)
    signed = int(runner.pixel_representation)
    image.SetPixelFormat(gdcm.PixelFormat(samples, allocated, bits_stored, bits_stored - 1, signed))
    with _stderr_to_debug():
        buffer = image.GetBuffer()
    if buffer is None:
        raise RuntimeError("GDCM could not decode the frame")
    if syntax in uids.JPEG2000TransferSyntaxes and runner.photometric_interpretation in (
        "YBR_ICT",
        "YBR_RCT",
    ):
        runner.set_option("photometric_interpretation", "RGB")  # GDCM undoes the transform
    # SWIG hands the char* back as str; surrogateescape gives back the bytes.
    data = buffer.encode("utf-8", "surrogateescape")
    expected = int(runner.frame_length(unit="bytes"))
    if len(data) < expected:
        raise RuntimeError(f"GDCM decoded {len(data)} bytes, expected {expected}")
    return data


@contextmanager
def _stderr_to_debug() -> Iterator[None]:
    """GDCM's codecs (IJG libjpeg, OpenJPEG) print to the process's stderr ("Unsupported JPEG
    data precision 12" while it picks its 12-bit codec, OpenJPEG's complaints about a damaged
    stream): that text goes to the DEBUG log instead of the console a single-line error is
    promised on. Anything another thread writes to fd 2 meanwhile (a few milliseconds) lands
    in the same DEBUG record rather than on the console."""
    with _STDERR_LOCK, tempfile.TemporaryFile() as capture:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all
            yield
            return
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = " ".join(capture.read().decode("utf-8", "replace").split())
            if text:
                logger.debug("GDCM printed: %s", text[:500])
