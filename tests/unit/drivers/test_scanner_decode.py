"""Decoding zxing's black-box photographs, and synthetic frames, as the kiosk does."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from drivers.scanner.base import ScannerError
from drivers.scanner.decode import (
    ENGINES,
    best_decoder,
    decode_file,
    decode_frame,
    engine_availability,
    halve,
    to_gray,
)
from tests.conftest import shared_data

THRESHOLDS = {"qrcode": 0.95, "code128": 0.95, "code39": 0.95, "pdf417": 0.80}


def _corpus() -> list[tuple[str, Path, str | bytes | None]]:
    root = shared_data("barcodes")
    rows = []
    with (root / "MANIFEST.tsv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            expected: str | bytes | None = None
            if row["expected_text_file"]:
                expected = (root / row["expected_text_file"]).read_bytes().decode("utf-8")
            elif row["expected_binary_file"]:
                expected = (root / row["expected_binary_file"]).read_bytes()
            rows.append((row["file"].split("/")[0], root / row["file"], expected))
    return rows


def test_the_kiosk_decoder_reads_the_corpus_at_the_required_rates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    decoder = best_decoder()
    assert decoder.name == "zxing-cpp"
    exact: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    false_hits: list[str] = []
    for category, path, expected in _corpus():
        codes = decode_file(path, decoder)
        total[category] += 1
        if expected is None:
            if codes:
                false_hits.append(f"{path.name}: {[c.text for c in codes]}")
        elif isinstance(expected, bytes):
            exact[category] += [c.raw for c in codes] == [expected]
        elif [c.text for c in codes] == [expected]:
            exact[category] += 1
    with capsys.disabled():
        print("\ncategory            exact/total  rate")
        for category in sorted(total):
            n, ok = total[category], exact[category]
            if category.startswith("false"):
                print(f"{category:20}{len(false_hits):>5}/{n} with a code (must be none)")
            else:
                print(f"{category:20}{ok:>7}/{n:<3}  {ok / n:6.1%}")
    assert not false_hits, f"codes 'found' in images without any: {false_hits}"
    assert total["falsepositives-2"] == 25
    for family, threshold in THRESHOLDS.items():
        n = sum(v for k, v in total.items() if k.startswith(family + "-"))
        ok = sum(v for k, v in exact.items() if k.startswith(family + "-"))
        assert n and ok / n >= threshold, f"{family}: {ok}/{n} below {threshold:.0%}"


def test_every_engine_says_whether_it_is_usable() -> None:
    availability = engine_availability()
    assert set(availability) == {"zxing-cpp", "pyzbar", "opencv"}
    for name, state in availability.items():
        assert state.ok or state.missing, name


def test_a_missing_engine_is_skipped_with_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from drivers.base import Availability

    monkeypatch.setattr(
        ENGINES["zxing-cpp"], "is_available", classmethod(lambda cls: Availability(False, "x"))
    )
    assert best_decoder().name == "pyzbar"
    monkeypatch.setattr(
        ENGINES["pyzbar"],
        "is_available",
        classmethod(lambda cls: Availability(False, "libzbar0 not installed")),
    )
    monkeypatch.setattr(
        ENGINES["opencv"], "is_available", classmethod(lambda cls: Availability(False, "no cv2"))
    )
    with pytest.raises(ScannerError) as info:
        best_decoder()
    assert "libzbar0 not installed" in str(info.value)


def _qr_frame(text: str, size: tuple[int, int] = (720, 1280)) -> np.ndarray:
    import zxingcpp

    symbol = np.asarray(
        zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image(scale=8)
    )
    frame = np.full((*size, 3), 200, dtype=np.uint8)
    rng = np.random.default_rng(7)
    frame = np.clip(frame + rng.normal(0, 12, frame.shape), 0, 255).astype(np.uint8)
    y, x = 150, 400
    frame[y : y + symbol.shape[0], x : x + symbol.shape[1]] = symbol[..., None]
    return frame


def test_a_camera_frame_with_a_chinese_qr_payload_decodes_to_its_text() -> None:
    payload = "电子健康卡:4401-ABCDEF0123456789"
    found = decode_frame(best_decoder(camera=True), _qr_frame(payload))
    assert [(c.text, c.symbology) for c in found] == [(payload, "QRCode")]


def test_frames_without_a_code_find_nothing() -> None:
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 255, (720, 1280), dtype=np.uint8)
    assert decode_frame(best_decoder(camera=True), noise) == []


def test_grey_conversion_and_halving_keep_the_picture() -> None:
    bgr = np.zeros((4, 6, 3), dtype=np.uint8)
    bgr[..., 1] = 255  # pure green is bright
    gray = to_gray(bgr)
    assert gray.shape == (4, 6) and int(gray[0, 0]) == 149
    assert halve(gray).shape == (2, 3)
    with pytest.raises(ScannerError):
        to_gray(np.zeros((2, 2, 2), dtype=np.uint8))


def test_unreadable_files_raise_a_scanner_error(tmp_path: Path) -> None:
    with pytest.raises(ScannerError) as info:
        decode_file(tmp_path / "missing.png")
    assert info.value.code == "decode.no_file"
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a png")
    with pytest.raises(ScannerError) as info:
        decode_file(junk)
    assert info.value.code == "decode.bad_image"
