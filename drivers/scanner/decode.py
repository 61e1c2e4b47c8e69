"""Finding barcodes and QR codes in images: camera frames and files (``kiosk decode``).

Three engines are wrapped behind one small interface, measured side by side in
``benchmarks/decode.py``: zxing-cpp (the kiosk's choice: fastest and the best success rate on
camera frames and on zxing's black-box photographs), pyzbar (libzbar0; the fallback when
zxing-cpp is missing) and OpenCV's QR detector (QR only; kept for comparison).
"""

from __future__ import annotations

import abc
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from drivers.base import Availability, importable
from drivers.scanner.base import ScannerError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecodedCode:
    """One code found in an image."""

    text: str
    symbology: str
    """The engine's name for it, normalised: ``QRCode``, ``Code128``, ``Code39``, ``PDF417``..."""
    engine: str
    raw: bytes = b""
    """The symbol's bytes (a payload may be binary rather than text)."""

    @property
    def printable(self) -> bool:
        """Whether ``text`` is text a person can read (not a binary payload)."""
        return all(c.isprintable() or c in "\t\r\n\x1c\x1d\x1e\x04" for c in self.text)


def to_gray(image: np.ndarray) -> np.ndarray:
    """8-bit single-channel view of a BGR/BGRA/grey frame (what every engine reads best)."""
    if image.ndim == 2:
        gray = image
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        # ITU-R BT.601 luma from BGR(A); integer maths keeps it fast and dependency-free.
        b = image[:, :, 0].astype(np.uint16)
        g = image[:, :, 1].astype(np.uint16)
        r = image[:, :, 2].astype(np.uint16)
        gray = ((29 * b + 150 * g + 77 * r) >> 8).astype(np.uint8)
    elif image.ndim == 3 and image.shape[2] == 1:
        gray = image[:, :, 0]
    else:
        raise ScannerError("decode.bad_image", f"not an image array: shape {image.shape}")
    if gray.dtype != np.uint8:
        raise ScannerError("decode.bad_image", f"expected 8-bit pixels, got {gray.dtype}")
    return np.ascontiguousarray(gray)


def halve(gray: np.ndarray) -> np.ndarray:
    """Half size by 2x2 averaging: less noise and a quarter of the pixels to search."""
    rows, cols = (gray.shape[0] // 2) * 2, (gray.shape[1] // 2) * 2
    g = gray[:rows, :cols].astype(np.uint16)
    summed = g[0::2, 0::2] + g[1::2, 0::2] + g[0::2, 1::2] + g[1::2, 1::2]
    return ((summed + 2) >> 2).astype(np.uint8)


class BarcodeDecoder(abc.ABC):
    """One decoding engine."""

    name = ""

    @classmethod
    @abc.abstractmethod
    def is_available(cls) -> Availability:
        """Whether the engine can be loaded here, and what is missing if not."""

    @abc.abstractmethod
    def __init__(self, *, camera: bool = False) -> None:
        """``camera``: tuned for QR codes in (halved) camera frames, else for still images
        of any symbology the kiosk meets."""

    @abc.abstractmethod
    def decode(self, gray: np.ndarray) -> list[DecodedCode]:
        """Every code found in an 8-bit grey image; [] when there is none."""


class ZxingDecoder(BarcodeDecoder):
    """zxing-cpp: QR, Code 128/39/93, PDF417, Data Matrix, ITF, EAN/UPC."""

    name = "zxing-cpp"

    def __init__(self, *, camera: bool = False) -> None:
        import zxingcpp

        self._zx = zxingcpp
        self.camera = camera
        if camera:
            # A camera frame, already halved, holds one upright-enough QR code: skipping other
            # symbologies, rotation, downscaling and inversion makes it ~15x faster here
            # (benchmarks/decode.py) at the same success rate.
            self._formats = zxingcpp.barcode_formats_from_str("QRCode")
        else:
            self._formats = zxingcpp.barcode_formats_from_str(
                "QRCode,MicroQRCode,Code128,Code39,Code93,Codabar,ITF,PDF417,DataMatrix,"
                "EAN13,EAN8,UPCA,UPCE"
            )

    @classmethod
    def is_available(cls) -> Availability:
        return importable("zxingcpp", "zxing-cpp")

    def decode(self, gray: np.ndarray) -> list[DecodedCode]:
        found = self._zx.read_barcodes(
            gray,
            formats=self._formats,
            try_rotate=not self.camera,
            try_downscale=not self.camera,
            try_invert=False,
            # Plain keeps control characters (GS, RS in GS1/ISO 15434 data) as they are.
            text_mode=self._zx.TextMode.Plain,
        )
        return [
            DecodedCode(b.text, _zxing_format(b.format), self.name, bytes(b.bytes))
            for b in found
            if b.valid and b.text
        ]


def _zxing_format(fmt: Any) -> str:
    name = getattr(fmt, "name", None) or str(fmt).replace(" ", "")
    return {"MicroQRCode": "QRCode"}.get(name, name)


_ZBAR_NAMES = {
    "QRCODE": "QRCode",
    "CODE128": "Code128",
    "CODE39": "Code39",
    "CODE93": "Code93",
    "PDF417": "PDF417",
    "I25": "ITF",
    "EAN13": "EAN13",
    "EAN8": "EAN8",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
    "CODABAR": "Codabar",
}


class PyzbarDecoder(BarcodeDecoder):
    """pyzbar over libzbar0 (no PDF417 decoding in the packaged libzbar)."""

    name = "pyzbar"

    def __init__(self, *, camera: bool = False) -> None:
        from pyzbar import pyzbar

        self._pyzbar = pyzbar
        self.camera = camera
        self._symbols = [pyzbar.ZBarSymbol.QRCODE] if camera else None

    @classmethod
    def is_available(cls) -> Availability:
        try:
            from pyzbar import pyzbar  # noqa: F401
        except ImportError as exc:
            return Availability(False, f"pyzbar is not installed (pip install pyzbar): {exc}")
        except (OSError, FileNotFoundError) as exc:
            return Availability(False, f"libzbar0 not installed (apt-get install libzbar0): {exc}")
        return Availability(True)

    def decode(self, gray: np.ndarray) -> list[DecodedCode]:
        out = []
        for sym in self._pyzbar.decode(gray, symbols=self._symbols):
            try:
                text = sym.data.decode("utf-8")
            except UnicodeDecodeError:
                text = sym.data.decode("gb18030", errors="replace")
            if text:
                name = _ZBAR_NAMES.get(sym.type, sym.type)
                out.append(DecodedCode(text, name, self.name, bytes(sym.data)))
        return out


class OpenCvQrDecoder(BarcodeDecoder):
    """OpenCV's QRCodeDetector: QR codes only."""

    name = "opencv"

    def __init__(self, *, camera: bool = False) -> None:
        import cv2

        self.camera = camera
        self._detector = cv2.QRCodeDetector()

    @classmethod
    def is_available(cls) -> Availability:
        try:
            import cv2

            cv2.QRCodeDetector()
        except ImportError as exc:
            return Availability(
                False, f"OpenCV is not installed (pip install opencv-python-headless): {exc}"
            )
        except AttributeError:
            return Availability(False, "this OpenCV build has no QRCodeDetector")
        return Availability(True)

    def decode(self, gray: np.ndarray) -> list[DecodedCode]:
        try:
            text, _points, _straight = self._detector.detectAndDecode(gray)
        except Exception as exc:  # cv2.error on degenerate input
            log.debug("OpenCV QR detector failed: %s", exc)
            return []
        return [DecodedCode(text, "QRCode", self.name, text.encode())] if text else []


ENGINES: dict[str, type[BarcodeDecoder]] = {
    "zxing-cpp": ZxingDecoder,
    "pyzbar": PyzbarDecoder,
    "opencv": OpenCvQrDecoder,
}
PREFERENCE = ("zxing-cpp", "pyzbar", "opencv")


def engine_availability() -> dict[str, Availability]:
    """Every engine and whether it can be used here (for selftest and the status screen)."""
    return {name: cls.is_available() for name, cls in ENGINES.items()}


def best_decoder(
    preference: tuple[str, ...] = PREFERENCE, *, camera: bool = False
) -> BarcodeDecoder:
    """The first available engine in ``preference``; ScannerError names what is missing."""
    missing = []
    for name in preference:
        cls = ENGINES[name]
        available = cls.is_available()
        if available.ok:
            return cls(camera=camera)
        missing.append(available.missing)
    raise ScannerError("decode.unavailable", "no barcode decoder: " + "; ".join(missing))


def decode_frame(decoder: BarcodeDecoder, frame: np.ndarray) -> list[DecodedCode]:
    """A camera frame: searched at half size (large enough for a phone-screen QR at a kiosk's
    distance, four times fewer pixels), then at full size only when the frame is small."""
    gray = to_gray(frame)
    return decoder.decode(halve(gray) if min(gray.shape) >= 600 else gray)


def decode_image(decoder: BarcodeDecoder, image: np.ndarray) -> list[DecodedCode]:
    """A still image (``kiosk decode``): full size first, then half size if nothing was found."""
    gray = to_gray(image)
    found = decoder.decode(gray)
    if not found and min(gray.shape) >= 600:
        found = decoder.decode(halve(gray))
    unique: dict[tuple[str, str], DecodedCode] = {}
    for code in found:
        unique.setdefault((code.text, code.symbology), code)
    return list(unique.values())


def read_image_file(path: Path) -> np.ndarray:
    """An image file as an 8-bit grey array; ScannerError when it is missing or unreadable."""
    import cv2

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise ScannerError("decode.no_file", f"{path}: no such file") from None
    except OSError as exc:
        raise ScannerError("decode.no_file", f"{path}: {exc.strerror or exc}") from None
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if image is None:
        raise ScannerError("decode.bad_image", f"{path}: not a readable image")
    return np.asarray(image)


def decode_file(path: Path, decoder: BarcodeDecoder | None = None) -> list[DecodedCode]:
    """Every code found in one image file (``kiosk decode``)."""
    return decode_image(decoder or best_decoder(), read_image_file(path))
