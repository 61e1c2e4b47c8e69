"""The decoder chain (kiosk_app/services/film/decoding.py): GDCM reads what pylibjpeg refuses,
and a frame no decoder reads is refused with the kiosk's own message.

The refused stream is made here: a baseline JPEG from Pillow whose scan header says spectral end
0 instead of 63, as some encoders write it. IJG libjpeg (GDCM, dcmtk, Pillow) reads it with a
warning; pylibjpeg's libjpeg stops with "A misplaced marker segment was found". The 12-bit JPEG
Extended case of the same fault is in tests/e2e/test_film_transfer_syntaxes.py (it needs
dcmtk's 12-bit encoder).
"""

from __future__ import annotations

import io
import logging
import os

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGBaseline8Bit, SecondaryCaptureImageStorage

from kiosk_app.services.film import FilmError, decoding, display_frame

pytest.importorskip("gdcm", reason="python-gdcm (a kiosk dependency) is not installed")

RAMP = (np.add.outer(np.arange(48), np.arange(64)) * 2).astype(np.uint8)


def jpeg(pixels: np.ndarray, loose: bool) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, "L").save(buffer, "JPEG", quality=95)
    data = bytearray(buffer.getvalue())
    if loose:
        position = 2
        while data[position + 1] != 0xDA:  # walk the marker segments to the start of scan
            position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        assert data[position + 2 + length - 2] == 63
        data[position + 2 + length - 2] = 0  # spectral end of a sequential scan: 0, not 63
    return bytes(data)


def dataset(stream: bytes, rows: int, columns: int) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.WindowCenter, ds.WindowWidth = 128, 256  # LINEAR 128/256: display value = stored value
    ds.PixelData = encapsulate([stream])
    ds["PixelData"].VR = "OB"
    return ds


def test_a_stream_pylibjpeg_refuses_prints_through_gdcm() -> None:
    loose = dataset(jpeg(RAMP, loose=True), *RAMP.shape)
    expected = np.asarray(Image.open(io.BytesIO(jpeg(RAMP, loose=False))))
    shown = display_frame(loose).astype(int)
    assert np.abs(shown - expected).max() <= 1  # IJG's decoding, to the IDCT's rounding
    assert np.abs(shown - RAMP).mean() < 2, "the image, not noise"


def test_without_the_fallback_the_nurse_gets_the_kiosk_message_and_the_log_the_cause(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        decoding, "CHAIN", tuple(entry for entry in decoding.CHAIN if entry[0] != "gdcm")
    )
    caplog.set_level(logging.DEBUG, logger="kiosk_app.services.film")
    with pytest.raises(FilmError) as raised:
        display_frame(dataset(jpeg(RAMP, loose=True), *RAMP.shape))
    detail = "pixel data in JPEG Baseline (Process 1) (1.2.840.10008.1.2.4.50) could not be decoded"
    assert raised.value.message_id == "film.compose_failed"
    assert raised.value.params == {"detail": detail}
    assert str(raised.value) == f"The film could not be composed ({detail})."
    causes = [r for r in caplog.records if "misplaced marker" in r.getMessage()]
    assert causes and all(r.levelno == logging.DEBUG for r in causes)


def test_a_frame_no_decoder_reads_is_refused_plainly(caplog: pytest.LogCaptureFixture) -> None:
    damaged = dataset(b"\xff\xd8\xff\xdb" + bytes(40), *RAMP.shape)
    caplog.set_level(logging.DEBUG, logger="kiosk_app.services.film")
    with pytest.raises(FilmError) as raised:
        display_frame(damaged)
    assert raised.value.params == {
        "detail": "pixel data in JPEG Baseline (Process 1) (1.2.840.10008.1.2.4.50) "
        "could not be decoded"
    }
    tried = {r.getMessage().split()[1] for r in caplog.records if r.levelno == logging.DEBUG}
    assert {"pylibjpeg", "gdcm"} <= tried, "every decoder of the chain was tried"


def test_pylibjpeg_comes_first_and_gdcm_last() -> None:
    labels = [label for label, _ in decoding.CHAIN]
    assert labels[0] == "pylibjpeg" and labels[-1] == "gdcm"
    extended = decoding.decoder_for(decoding.UID("1.2.840.10008.1.2.4.51"))
    assert extended is not None and {"pylibjpeg", "gdcm"} <= set(extended.available_plugins)
    retired = decoding.decoder_for(decoding.UID("1.2.840.10008.1.2.4.55"))  # progressive
    assert retired is not None and retired.available_plugins == ("gdcm",)


def compressed_slices(count: int) -> list[Dataset]:
    """Baseline JPEG slices of 160x200 (above the size that goes to the decoder processes)."""
    rng = np.random.default_rng(3)
    slices = []
    for i in range(count):
        pixels = (np.add.outer(np.arange(160), np.arange(200)) // 2 + 9 * i).astype(np.uint8)
        pixels = np.clip(pixels + rng.integers(0, 20, pixels.shape), 0, 255).astype(np.uint8)
        slices.append(dataset(jpeg(pixels, loose=i % 2 == 1), *pixels.shape))
    return slices


def test_a_sheet_of_compressed_slices_decodes_in_processes_as_in_the_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kiosk_app.services.film import compose_sheets

    if decoding.WORKERS < 2:
        pytest.skip("one core: frames decode in the thread")
    slices = compressed_slices(6)  # every other one needs GDCM: the chain runs there too
    future = decoding.submit(slices[1], 0)
    assert future is not None, "a frame of 160x200 goes to a decoder process"
    pixels, _meta = decoding.collect(future, slices[1], JPEGBaseline8Bit, 0, "JPEG Baseline")
    assert np.array_equal(pixels, decoding.decode(slices[1], JPEGBaseline8Bit, 0, "x")[0])
    assert future.result()[2], "pylibjpeg refused it in the process, GDCM decoded it"
    in_processes = compose_sheets(slices, "8INX10IN", 60, (3, 2))
    monkeypatch.setattr(decoding, "_POOL_BROKEN", True)  # every frame in the thread
    assert decoding.submit(slices[0], 0) is None
    in_thread = compose_sheets(slices, "8INX10IN", 60, (3, 2))
    assert np.array_equal(in_processes[0].pixels, in_thread[0].pixels)
    assert in_processes[0].pixels.any()


def test_a_frame_no_decoder_process_reads_is_refused_plainly_with_the_causes_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    if decoding.WORKERS < 2:
        pytest.skip("one core: frames decode in the thread")
    damaged = dataset(b"\xff\xd8\xff\xdb" + bytes(40), 160, 200)
    caplog.set_level(logging.DEBUG, logger="kiosk_app.services.film")
    with pytest.raises(FilmError) as raised:
        compose_sheets_of([damaged, *compressed_slices(1)])
    assert "could not be decoded" in raised.value.params["detail"]
    tried = {r.getMessage().split()[1] for r in caplog.records if r.levelno == logging.DEBUG}
    assert {"pylibjpeg", "gdcm"} <= tried


def compose_sheets_of(slices: list[Dataset]) -> object:
    from kiosk_app.services.film import compose_sheets

    return compose_sheets(slices, "8INX10IN", 60, (2, 1))


def test_warm_up_starts_one_decoder_process_per_core() -> None:
    if decoding.WORKERS < 2:
        pytest.skip("one core: no decoder processes")
    decoding.warm_up()
    pool = decoding._pool()
    futures = [pool.submit(os.getpid) for _ in range(4 * decoding.WORKERS)]
    pids = {future.result(timeout=60) for future in futures}
    assert os.getpid() not in pids and 1 <= len(pids) <= decoding.WORKERS


def test_decoder_processes_that_cannot_start_leave_the_film_to_the_thread(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A pool that is broken when a frame is handed to it (a process died, or none could be
    spawned) must not fail the film: the frames decode in the kiosk's own process."""
    from concurrent.futures.process import BrokenProcessPool

    from kiosk_app.services.film import compose_sheets

    if decoding.WORKERS < 2:
        pytest.skip("one core: frames decode in the thread")
    slices = compressed_slices(4)
    monkeypatch.setattr(decoding, "_POOL_BROKEN", True)
    in_thread = compose_sheets(slices, "8INX10IN", 60, (2, 2))
    monkeypatch.setattr(decoding, "_POOL_BROKEN", False)

    class Broken:
        def submit(self, *_args: object) -> None:
            raise BrokenProcessPool("a child process terminated abruptly")

        def shutdown(self, **_kwargs: object) -> None:
            return None

    monkeypatch.setattr(decoding, "_pool", Broken)
    with caplog.at_level(logging.WARNING):
        sheets = compose_sheets(slices, "8INX10IN", 60, (2, 2))
    assert np.array_equal(sheets[0].pixels, in_thread[0].pixels)
    assert "decoding in the kiosk's process" in caplog.text
    assert decoding.submit(slices[0], 0) is None  # and no more frames go to processes
