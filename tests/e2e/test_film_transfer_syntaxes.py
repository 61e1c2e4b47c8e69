"""Every transfer syntax dcmtk or GDCM encodes prints as dcmtk shows it.

The greyscale images of the public corpus (../shared/data/dicom) are re-encoded at test time,
into a session temporary folder (never committed), with dcmtk's encoders (``dcmcjpeg`` for the
JPEG processes, ``dcmcjpls`` for JPEG-LS lossless and near-lossless, ``dcmcrle``) and GDCM's
(JPEG 2000 lossless and lossy, which dcmtk does not write, and JPEG-LS near-lossless of signed
pixels, which dcmcjpls refuses). For each (file, syntax) the kiosk's
render of the encoded file (``kiosk render`` with a window over the middle of the content)
matches dcmtk's render of the *same* encoded file within one grey level: dcmtk decodes it with
its own decompressor (``dcmdjpeg``, ``dcmdjpls``, ``dcmdrle``; GDCM for JPEG 2000, which
dcmj2pnm lacks) and ``dcmj2pnm`` renders that, so a lossy syntax is compared with what it
really holds, not with the original.

Two cases need the kiosk's GDCM fallback (kiosk_app/services/film/decoding.py); without it they
fail: the retired JPEG processes (spectral selection, progressive), for which pydicom has no
decoder, and a 12-bit JPEG Extended whose scan header an encoder wrote loosely (spectral end 0
in a sequential scan), which IJG libjpeg and dcmtk read with a warning and pylibjpeg refuses
("A misplaced marker segment was found"), as happens with older MR and CT archives.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydicom.encaps import encapsulate, generate_frames

from tests.helpers.film_compare import (
    CORPUS,
    DCMDJPLS,
    DCMJ2PNM,
    content_window,
    need_dcmtk,
    read,
    render_difference,
)

pytestmark = pytest.mark.e2e

# A representative subset of the corpus's greyscale images (every syntax is tried on each):
# signed CT with rescale, signed MR, 12-bit MR, a Modality LUT, and an enhanced multi-frame MR
# (its last frame), each with the frame compared (1-based, as dcmj2pnm counts).
FILES = {
    "CT_small.dcm": 1,
    "MR_small.dcm": 1,
    "examples_overlay.dcm": 1,
    "mlut_18.dcm": 1,
    "emri_small.dcm": 10,
}
DCMCJPEG, DCMDJPEG = "/usr/bin/dcmcjpeg", "/usr/bin/dcmdjpeg"
DCMCJPLS, DCMCRLE, DCMDRLE = "/usr/bin/dcmcjpls", "/usr/bin/dcmcrle", "/usr/bin/dcmdrle"


@dataclass(frozen=True)
class Syntax:
    uid: str
    encode: Callable[[Path, Path], None]
    decode: Callable[[Path, Path], None]
    """dcmtk's (or for JPEG 2000, GDCM's) decompression to native pixel data."""


def _tool(*command: str) -> Callable[[Path, Path], None]:
    def run(source: Path, target: Path) -> None:
        subprocess.run([*command, str(source), str(target)], check=True, capture_output=True)

    return run


def _loose_extended(source: Path, target: Path) -> None:
    """12-bit JPEG Extended whose sequential scans say spectral end 0 instead of 63."""
    _tool(DCMCJPEG, "+ee")(source, target)
    ds = read(target)
    frames = [
        _loosen_scan(frame)
        for frame in generate_frames(
            ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames") or 1)
        )
    ]
    ds.PixelData = encapsulate(frames)
    ds.save_as(target)


def _loosen_scan(stream: bytes) -> bytes:
    data = bytearray(stream)
    position = 2  # after SOI
    while position + 4 <= len(data):
        marker = data[position + 1]
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == 0xDA:  # SOS: Ls, Ns, components, Ss, Se, Ah/Al
            data[position + 2 + length - 2] = 0  # Se
            return bytes(data)
        position += 2 + length
    raise AssertionError("no start of scan in the JPEG stream")


def _near_lossless(source: Path, target: Path) -> None:
    """JPEG-LS near-lossless (NEAR 2): dcmcjpls for unsigned pixels, GDCM for signed ones
    (dcmcjpls refuses them)."""
    if int(read(source).get("PixelRepresentation") or 0) == 1:
        _gdcm("JPEGLSNearLossless", lossy=True)(source, target)
    else:
        _tool(DCMCJPLS, "+en")(source, target)


def _gdcm(syntax: str, lossy: bool = False) -> Callable[[Path, Path], None]:
    def run(source: Path, target: Path) -> None:
        gdcm = pytest.importorskip("gdcm", reason="python-gdcm (a kiosk dependency) is missing")
        reader = gdcm.ImageReader()
        reader.SetFileName(str(source))
        assert reader.Read(), f"GDCM cannot read {source}"
        change = gdcm.ImageChangeTransferSyntax()
        change.SetTransferSyntax(gdcm.TransferSyntax(getattr(gdcm.TransferSyntax, syntax)))
        if lossy and syntax.startswith("JPEGLS"):
            codec = gdcm.JPEGLSCodec()
            codec.SetLossless(False)
            codec.SetLossyError(2)  # NEAR 2, as dcmcjpls +en
            change.SetUserCodec(codec)
        elif lossy:
            codec = gdcm.JPEG2000Codec()
            codec.SetRate(0, 20.0)  # 20:1, visibly lossy
            change.SetUserCodec(codec)
        change.SetInput(reader.GetImage())
        assert change.Change(), f"GDCM cannot encode {source} as {syntax}"
        writer = gdcm.ImageWriter()
        writer.SetFileName(str(target))
        writer.SetFile(reader.GetFile())
        writer.SetImage(change.GetOutput())
        assert writer.Write()

    return run


_TO_NATIVE = _gdcm("ExplicitVRLittleEndian")
SYNTAXES = {
    "jpeg-baseline-8bit": Syntax("1.2.840.10008.1.2.4.50", _tool(DCMCJPEG, "+eb"), _tool(DCMDJPEG)),
    "jpeg-extended-12bit": Syntax(
        "1.2.840.10008.1.2.4.51", _tool(DCMCJPEG, "+ee"), _tool(DCMDJPEG)
    ),
    "jpeg-extended-12bit-loose-scan": Syntax(
        "1.2.840.10008.1.2.4.51", _loose_extended, _tool(DCMDJPEG)
    ),
    "jpeg-spectral-selection": Syntax(
        "1.2.840.10008.1.2.4.53", _tool(DCMCJPEG, "+es"), _tool(DCMDJPEG)
    ),
    "jpeg-progressive": Syntax("1.2.840.10008.1.2.4.55", _tool(DCMCJPEG, "+ep"), _tool(DCMDJPEG)),
    "jpeg-lossless-process14": Syntax(
        "1.2.840.10008.1.2.4.57", _tool(DCMCJPEG, "+el"), _tool(DCMDJPEG)
    ),
    "jpeg-lossless-sv1": Syntax("1.2.840.10008.1.2.4.70", _tool(DCMCJPEG, "+e1"), _tool(DCMDJPEG)),
    "jpeg-ls-lossless": Syntax("1.2.840.10008.1.2.4.80", _tool(DCMCJPLS, "+el"), _tool(DCMDJPLS)),
    "jpeg-ls-near-lossless": Syntax("1.2.840.10008.1.2.4.81", _near_lossless, _tool(DCMDJPLS)),
    "rle": Syntax("1.2.840.10008.1.2.5", _tool(DCMCRLE), _tool(DCMDRLE)),
    "jpeg2000-lossless": Syntax("1.2.840.10008.1.2.4.90", _gdcm("JPEG2000Lossless"), _TO_NATIVE),
    "jpeg2000": Syntax("1.2.840.10008.1.2.4.91", _gdcm("JPEG2000", lossy=True), _TO_NATIVE),
}
CASES = [(name, syntax) for name in FILES for syntax in SYNTAXES]
_TEST = "test_every_transfer_syntax_renders_as_dcmtk_shows_it"


def _compare(name: str, syntax: str, folder: Path) -> float:
    spec = SYNTAXES[syntax]
    encoded, native = folder / f"{syntax}.dcm", folder / f"{syntax}-native.dcm"
    spec.encode(CORPUS / name, encoded)
    actual = read(encoded).file_meta.TransferSyntaxUID
    assert actual == spec.uid, f"the encoder wrote {actual}, not {spec.uid}"
    spec.decode(encoded, native)
    reference = read(native)
    center, width = content_window(reference)
    frame = FILES[name]
    return render_difference(
        encoded,
        native,
        ["--frame", str(frame - 1), f"--window={center},{width}"],
        ["+F", str(frame), "+Ww", str(center), str(width)],
        folder / syntax,
        reference,
        f"{name} in {syntax}",
    )


@pytest.fixture(scope="session")
def differences(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], float | BaseException]:
    """Every collected case, encoded and rendered on all cores at once (each ``kiosk render``
    is a process of its own, so the cases run side by side; each test reports its own)."""
    if not CORPUS.is_dir():
        pytest.skip(f"public DICOM corpus not found at {CORPUS} (MANIFEST.tsv lists it)")
    need_dcmtk(DCMCJPEG, DCMDJPEG, DCMCJPLS, DCMDJPLS, DCMCRLE, DCMDRLE)
    pytest.importorskip("gdcm", reason="python-gdcm (a kiosk dependency) is missing")
    wanted = [
        (item.callspec.params["name"], item.callspec.params["syntax"])
        for item in request.session.items
        if getattr(item, "originalname", "") == _TEST and hasattr(item, "callspec")
    ]
    root = tmp_path_factory.mktemp("transfer-syntaxes")
    lock = threading.Lock()

    def run(case: tuple[str, str]) -> float | BaseException:
        folder = root / case[0].removesuffix(".dcm")
        with lock:
            folder.mkdir(exist_ok=True)
        try:
            return _compare(*case, folder)
        except Exception as exc:  # each test reports its own case
            return exc

    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        return dict(zip(wanted, pool.map(run, wanted), strict=True))


@pytest.mark.parametrize(("name", "syntax"), CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_every_transfer_syntax_renders_as_dcmtk_shows_it(
    name: str, syntax: str, differences: dict[tuple[str, str], float | BaseException]
) -> None:
    assert os.access(DCMJ2PNM, os.X_OK)
    result = differences[(name, syntax)]
    if isinstance(result, subprocess.CalledProcessError):
        pytest.fail(f"{result.cmd} failed: {result.stderr!r}", pytrace=False)
    if isinstance(result, BaseException):
        pytest.fail(f"{type(result).__name__}: {result}", pytrace=False)
    assert result <= 1, f"{name} in {syntax}: mean |kiosk - dcmtk| = {result:.2f} grey levels"
