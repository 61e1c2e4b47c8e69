"""Compressed pixel data to stored values: a chain of decoders, the fast one first.

For each frame the decoders are tried in this order, the first that decodes it wins:

1. **pylibjpeg** (libjpeg, OpenJPEG, RLE): the fastest, and it releases the GIL, so the
   frames of a sheet decode on every core.
2. **pydicom** (its own RLE decoder) and **pyjpegls** (CharLS) for RLE and JPEG-LS.
3. **GDCM** (IJG libjpeg 8/12/16-bit, CharLS, OpenJPEG), through its own frame decoder here
   rather than pydicom's GDCM plug-in, which refuses 12-bit JPEG Extended. GDCM reads what
   pylibjpeg refuses: 12-bit JPEG Extended whose scan header is not strictly sequential
   (libjpeg: "A misplaced marker segment was found"; IJG and dcmtk only warn), and the
   retired JPEG processes (spectral selection, progressive, ...) pydicom has no decoder for.

A frame no decoder reads is refused with a plain :class:`FilmError` naming the transfer
syntax; what each decoder said is logged at DEBUG only (it is library text, not a message
for the nurse).

pydicom's own decoders are left as they are: the chain uses decoder objects of its own, so
installing GDCM changes nothing for other code in the process.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Any

import numpy as np
from pydicom import uid as uids
from pydicom.dataset import Dataset
from pydicom.pixels import as_pixel_options
from pydicom.pixels.decoders.base import Decoder
from pydicom.uid import UID

from kiosk_app.services.film.errors import FilmError, brief

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
    after decoding (its photometric interpretation, say).

    Raises:
        FilmError: no decoder for the syntax, or none of them decodes the frame.
    """
    decoder = decoder_for(uid)
    if decoder is None:
        if uid.is_transfer_syntax and uid.is_compressed:
            raise FilmError(detail=f"pixel data in {syntax} cannot be decoded here (no decoder)")
        raise FilmError(detail=f"pixel data in {syntax} is not supported")
    options = as_pixel_options(ds)
    last: Exception | None = None
    available = set(decoder.available_plugins)  # sorted by name: the chain's order is ours
    for label in (label for label, _ in CHAIN if label in available):
        try:
            return decoder.as_array(ds, index=frame, decoding_plugin=label, **options)
        except Exception as exc:  # decoders raise anything on data they refuse
            logger.debug(
                "decoder %s could not decode frame %d of pixel data in %s: %s",
                label, frame, syntax, brief(exc),
            )  # fmt: skip
            last = exc
    raise FilmError(detail=f"pixel data in {syntax} could not be decoded") from last


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
