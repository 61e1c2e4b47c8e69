"""``kiosk film`` and ``kiosk render`` as a user runs them, and their agreement with dcmtk.

The agreement check is the acceptance test of the pixel pipeline: for every image in the public
corpus (../shared/data/dicom) that dcmtk can read too, ``kiosk render`` matches ``dcmj2pnm``
within one grey level (mean absolute difference), with an explicit window (``+Ww C W``) and with
the file's first window (``+Wi 1``). Colour images are compared as luminance (a greyscale film
shows luminance; dcmj2pnm writes colour). Files dcmtk cannot read are checked by hand-derived
pixels in tests/unit/services/test_film_pipeline.py.

Deliberate differences from dcmtk (none of them shows within the files' own windows):

- Pixel Padding Value prints black, like the film around the image; dcmtk windows padding as if
  it were anatomy. JPEGLossless_i16_bad.dcm (padding -2000) shows it with a wide window; the
  comparison below leaves padding pixels out and a unit test checks them.
- An invalid Number of Frames ('1A' in badVR.dcm) is refused; dcmtk guesses one frame. A film
  must not guess which images an object holds.
- With no window in the file and none given, the kiosk windows the 0.5-99.5th percentiles of the
  content; dcmtk shows the full range. Not compared (dcmj2pnm has no such mode).
- Colour becomes BT.601 luminance (dcmj2pnm writes colour).
"""

from __future__ import annotations

import io
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from tests.helpers.film_compare import (
    CORPUS,
    DCMDJPLS,
    DCMJ2PNM,
    corpus,
    has_window,
    kiosk,
    need_dcmtk,
    read,
    render_difference,
    windows_for,
)

pytestmark = pytest.mark.e2e

# Every corpus image dcmtk reads, with the frames compared (1-based, as dcmj2pnm counts).
DCMTK_READABLE: dict[str, tuple[int, ...]] = {
    "CT_small.dcm": (1,),
    "MR_small.dcm": (1,),
    "MR_small_implicit.dcm": (1,),
    "MR_small_bigendian.dcm": (1,),
    "MR_small_RLE.dcm": (1,),
    "MR_small_jpeg_ls_lossless.dcm": (1,),
    "JPEGLSNearLossless_16.dcm": (1,),
    "JLSL_16_15_1_1F.dcm": (1,),
    "JPGExtended.dcm": (1,),
    "JPEGLossless_i16_bad.dcm": (1,),
    "JPEGLosslessSV1_16_VOI_MLUT.dcm": (1,),
    "MR-SIEMENS-WithOverlays.dcm": (1,),
    "examples_overlay.dcm": (1,),
    "bad_sequence.dcm": (1,),
    "image_dfl.dcm": (1,),
    "vlut_04.dcm": (1,),
    "mlut_18.dcm": (1,),
    "emri_small.dcm": (1, 10),
    "eCT_Supplemental.dcm": (1, 2),
    "SC_rgb_jpeg_dcmtk.dcm": (1,),
    "SC_rgb_dcmtk_eb_cy_np.dcm": (1,),
    "SC_jpeg_no_color_transform.dcm": (1,),
    "SC_rgb_jpeg_gdcm.dcm": (1,),
    "SC_rgb_small_odd.dcm": (1,),
    "SC_ybr_full_422_uncompressed.dcm": (1,),
    "SC_ybr_full_uncompressed.dcm": (1,),
    "examples_palette.dcm": (1,),
    "examples_rgb_color.dcm": (1,),
    "examples_ybr_color.dcm": (1, 30),
    "ExplVR_BigEnd.dcm": (1,),
    "OBXXXX1A_rle_2frame.dcm": (1, 2),
    "color-pl.dcm": (1,),
    "JPEGExtended_3s_YBR.dcm": (1,),
}
# Images dcmtk (without a JPEG 2000 plug-in) cannot read: checked by hand-derived pixels.
DCMTK_CANNOT_READ = {
    "693_J2KR.dcm", "J2K_pixelrep_mismatch.dcm", "MR_small_jp2klossless.dcm", "RG3_J2KI.dcm",
    "examples_jpeg2k.dcm", "HTJ2K_08_RGB.dcm", "gdcm-US-ALOKA-16.dcm",
}  # fmt: skip
# Damaged files and objects that are not images: one clear line and a non-zero exit.
REFUSED: dict[str, str] = {
    "MR_truncated.dcm": "could not be decoded",
    "DX_966_MONO1_J2KR.dcm": "could not be decoded",
    "emri_small_j2k_too_short.dcm": "no pixel data",
    "meta_missing_tsyntax.dcm": "does not say how its pixel data is encoded",
    "badVR.dcm": "Number of Frames '1A'",
    "waveform_ecg.dcm": "has no pixel data",
    "test-SR.dcm": "has no pixel data",
    "reportsi.dcm": "has no pixel data",
    "rtplan_truncated.dcm": "has no pixel data",
    "no_meta.dcm": "has no pixel data",
}


@pytest.mark.parametrize("name", sorted(DCMTK_READABLE))
def test_render_matches_dcmtk(name: str, tmp_path: Path) -> None:
    need_dcmtk()
    path = corpus(name)
    ds = read(path)
    dcmtk_input = path
    if "JPEG-LS" in ds.file_meta.TransferSyntaxUID.name:
        dcmtk_input = tmp_path / "decompressed.dcm"
        subprocess.run([DCMDJPLS, str(path), str(dcmtk_input)], check=True, capture_output=True)
    colour = ds.PhotometricInterpretation not in ("MONOCHROME1", "MONOCHROME2")
    runs: list[tuple[str, list[str], list[str]]] = []  # (label, kiosk options, dcmj2pnm options)
    for frame in DCMTK_READABLE[name]:
        at = (["--frame", str(frame - 1)], ["+F", str(frame)])
        if colour:
            runs.append((f"frame {frame}", at[0], at[1]))
            continue
        if has_window(ds):
            runs.append((f"frame {frame}, first window", at[0], [*at[1], "+Wi", "1"]))
        for center, width in windows_for(ds):
            runs.append(
                (
                    f"frame {frame}, window {center},{width}",
                    [*at[0], f"--window={center},{width}"],
                    [*at[1], "+Ww", str(center), str(width)],
                )
            )

    def compare(index: int) -> str | None:
        label, ours, theirs = runs[index]
        out = tmp_path / f"run-{index}"
        difference = render_difference(path, dcmtk_input, ours, theirs, out, ds, label)
        return None if difference <= 1 else f"{label}: mean |kiosk - dcmtk| = {difference:.2f}"

    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = [f for f in pool.map(compare, range(len(runs))) if f]
    assert not failures, failures


@pytest.mark.parametrize(
    ("function", "ours", "theirs"),
    [
        ("SIGMOID", "600,1600", []),  # a given window keeps the file's SIGMOID, as +Ww does
        ("SIGMOID", "600,1600,LINEAR", ["+Wfl"]),  # unless the caller names a function
        ("LINEAR", "300,800", []),
        ("LINEAR", "300,800,SIGMOID", ["+Wfs"]),
    ],
)
def test_a_given_window_and_the_files_voi_lut_function_as_dcmtk_applies_them(
    function: str, ours: str, theirs: list[str], tmp_path: Path
) -> None:
    need_dcmtk()
    ds = read(corpus("MR_small.dcm"))
    ds.VOILUTFunction = function
    path = tmp_path / f"mr-{function}.dcm"
    ds.save_as(path)
    center, width = ours.split(",")[:2]
    difference = render_difference(
        path, path, [f"--window={ours}"], ["+Ww", center, width, *theirs], tmp_path / "voi", ds,
        f"{function} file, --window {ours}",
    )  # fmt: skip
    assert difference <= 1, f"mean |kiosk - dcmtk| = {difference:.2f}"
    plain = tmp_path / "plain.png"
    assert kiosk("render", str(path), f"--window={center},{width},{function}", "-o",
                 str(plain)).returncode == 0  # fmt: skip
    same = Image.open(plain).tobytes() == Image.open(tmp_path / "voi-kiosk.png").tobytes()
    assert same == (ours.count(",") == 1), "the function named is the one used"


def test_the_corpus_is_fully_classified() -> None:
    """Each corpus file is compared with dcmtk, checked by hand, or refused: none forgotten."""
    corpus("CT_small.dcm")
    listed = set(DCMTK_READABLE) | DCMTK_CANNOT_READ | set(REFUSED)
    assert {p.name for p in CORPUS.glob("*.dcm")} == listed


@pytest.mark.parametrize("name", sorted(DCMTK_CANNOT_READ))
def test_files_checked_by_hand_are_the_ones_dcmtk_cannot_read(name: str, tmp_path: Path) -> None:
    need_dcmtk()
    run = subprocess.run(
        [DCMJ2PNM, "+on", str(corpus(name)), str(tmp_path / "x.png")], capture_output=True
    )
    assert run.returncode != 0
    rendered = kiosk("render", str(corpus(name)), "-o", str(tmp_path / "mine.png"))
    assert rendered.returncode == 0, rendered.stderr
    assert Image.open(tmp_path / "mine.png").mode == "L"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_broken_files_give_one_clear_line_and_no_output(name: str, tmp_path: Path) -> None:
    path = corpus(name)
    for command in (
        ["render", str(path), "-o", str(tmp_path / "frame.png")],
        ["film", str(path), "--dpi", "50", "-o", str(tmp_path / "sheet.pdf")],
        ["film", str(CORPUS / "CT_small.dcm"), str(path), "--dpi", "50", "-o",
         str(tmp_path / "sheet.png")],
    ):  # fmt: skip
        run = kiosk(*command)
        assert run.returncode == 1, run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kiosk: "), run.stderr
        assert REFUSED[name] in lines[0]
        assert "Traceback" not in run.stderr
        assert not list(tmp_path.iterdir()), "never a blank or partial sheet"


def test_film_png_is_the_film_size_at_its_dpi_with_text(tmp_path: Path) -> None:
    slices = [str(corpus("CT_small.dcm"))] * 20
    out, plain = tmp_path / "ct.png", tmp_path / "plain.png"
    run = kiosk("film", *slices, "--layout", "4x5", "--dpi", "100", "--hospital", "示例人民医院",
                "-o", str(out), "--json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"sheets": 1, "files": [str(out)]}
    assert kiosk("film", *slices, "--layout", "4x5", "--dpi", "100", "--no-annotations",
                 "-o", str(plain)).returncode == 0  # fmt: skip
    sheet = Image.open(out)
    assert sheet.size == (1400, 1700) and sheet.mode == "L"
    assert sheet.info["dpi"] == pytest.approx((100, 100), abs=0.01)
    annotated, bare = np.asarray(sheet).astype(int), np.asarray(Image.open(plain)).astype(int)
    changed = annotated != bare
    assert changed.any(), "annotations are drawn"
    assert changed.mean() < 0.05, "text is small beside the images"
    # Text sits in the corners of each cell: the first cell's top-left corner has white ink.
    assert (annotated[25:45, 25:90] == 255).any()


def test_film_pdf_pages_are_the_physical_size_and_landscape_turns_them(tmp_path: Path) -> None:
    ct = str(corpus("CT_small.dcm"))
    out = tmp_path / "films.pdf"
    run = kiosk("film", *[ct] * 7, "--layout", "ROW\\2,3", "--film-size", "8INX10IN", "--dpi",
                "60", "--landscape", "-o", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr
    pages = PdfReader(io.BytesIO(out.read_bytes())).pages
    assert len(pages) == 2, "7 images in ROW\\2,3 (5 per sheet) take two sheets"
    assert [float(pages[0].mediabox.width), float(pages[0].mediabox.height)] == [720, 576]
    image = np.asarray(pages[1].images[0].image)
    assert image.shape == (480, 600)


def test_film_png_of_several_sheets_numbers_the_files(tmp_path: Path) -> None:
    ct = str(corpus("CT_small.dcm"))
    run = kiosk("film", *[ct] * 3, "--layout", "1x1", "--dpi", "30", "-o",
                str(tmp_path / "s.png"))  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s-1.png", "s-2.png", "s-3.png"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layout", "4x"], "should be COLUMNSxROWS"),
        (["--window", "40"], "should be CENTER,WIDTH"),
        (["--film-size", "15INX18IN"], "unknown film size"),
        (["-o", "sheet.jpg"], "must end in .png or .pdf"),
    ],
)
def test_film_usage_errors_say_what_is_wrong(args: list[str], message: str, tmp_path: Path) -> None:
    ct = str(corpus("CT_small.dcm"))
    out = ["-o", str(tmp_path / "x.png")] if "-o" not in args else []
    run = kiosk("film", ct, *args, *out)
    assert run.returncode in (1, 2)
    assert message in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_render_writes_the_native_frame(tmp_path: Path) -> None:
    out = tmp_path / "frame.png"
    run = kiosk("render", str(corpus("emri_small.dcm")), "--frame", "9", "-o", str(out), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"file": str(out), "rows": 64, "columns": 64}
    assert Image.open(out).size == (64, 64)
    missing = kiosk("render", str(corpus("emri_small.dcm")), "--frame", "10", "-o", str(out))
    assert missing.returncode == 1 and "frame 10 does not exist" in missing.stderr
