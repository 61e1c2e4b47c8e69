"""The film engine's speed, stage by stage, against the dcmtk + ImageMagick way of doing it.

Cases (issue 3): a 4x5 CT sheet of 20 512x512 slices on 14INX17IN at 300 dpi (raw inputs and
JPEG-lossless inputs; issue 15: the same raw slices re-encoded as JPEG-lossless SV1, JPEG-LS
lossless, JPEG 2000 lossless and RLE, each with its ratio to raw), a 1x1 3000x3000 16-bit DX on
14INX17IN, a 2000x2500 MONOCHROME1 CR, and a
30-frame ultrasound on 11INX14IN (2x3, five sheets). For each: the median and range (min-max) of
``--runs`` warm runs per stage, each stage timed on its own, called from one thread (OpenCV's
resize and the PDF's deflate bands still use every core, as they do in the kiosk):

- decode: pixel data to stored values; LUT: modality/VOI/presentation to 8 bits;
- resample: to each cell's size; compose: the blank sheet and pasting;
- annotate: the text and marks; encode: the lossless print file (PDF; PNG alongside);

then the whole job as the kiosk runs it (threaded, on datasets already parsed, as the catalog
hands them over; parsing the files is its own column): rendered and annotated sheets, and
rendered plus the PDF. In the same run, the CT sheet made the way a user would script it with dcmtk
(``dcmj2pnm`` per slice) and ImageMagick (``montage``), with the ratio; and the peak resident
memory of a fresh process that renders one 4x5 job and its PDF (``/usr/bin/time -v``).

Inputs are built in a temporary folder from the public corpus (../shared/data/dicom): the raw CT
slices are 693_J2KR.dcm decoded and stored uncompressed (each slice shifted a little so no two
are equal), the JPEG-lossless ones bad_sequence.dcm; the DX and CR are the corpus CR (RG3_J2KI.dcm)
enlarged, with a little noise. Not a test:
numbers depend on the machine and on what else runs on it (note the load average printed).

Run: .venv/bin/python benchmarks/film.py [--runs 7] [--dcmtk-runs 5] [--skip-dcmtk]
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    ComputedRadiographyImageStorage,
    DigitalXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    generate_uid,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from drivers.printer.sheet_pdf import sheet_to_png, sheets_to_pdf  # noqa: E402
from kiosk_app.services.film import (  # noqa: E402
    AnnotationOptions,
    DisplayFormat,
    cell_boxes,
    compose_sheets,
    decoding,
)
from kiosk_app.services.film.annotate import annotate_cell  # noqa: E402
from kiosk_app.services.film.layout import fit, resample, sheet_shape  # noqa: E402
from kiosk_app.services.film.pipeline import (  # noqa: E402
    _colour_to_display,
    _decode,
    _grey_to_display,
    frame_view,
    pixel_aspect,
)
from kiosk_app.services.film.sheets import frames_of  # noqa: E402

CORPUS = REPO.parent / "shared" / "data" / "dicom"
DCMJ2PNM, MONTAGE, TIME = "/usr/bin/dcmj2pnm", "/usr/bin/montage", "/usr/bin/time"
OPTIONS = AnnotationOptions(hospital_name="示例人民医院")
STAGES = ("decode", "LUT", "resample", "compose", "annotate", "encode PDF", "encode PNG")


def read(path: Path) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path)


def save(ds: Dataset, path: Path) -> Path:
    ds.save_as(path, enforce_file_format=True)
    return path


def patient(ds: Dataset) -> None:
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName, ds.PatientID, ds.PatientSex, ds.PatientAge = "张^小三", "BM0001", "M", "056Y"
    ds.StudyDate, ds.StudyTime = "20240520", "091200"
    ds.SOPInstanceUID = generate_uid()


def ct_slices(folder: Path) -> list[Path]:
    source = read(CORPUS / "693_J2KR.dcm")
    pixels = source.pixel_array
    paths = []
    for i in range(20):
        ds = copy.deepcopy(source)
        patient(ds)
        ds.InstanceNumber = i + 1
        ds.set_pixel_data(np.roll(pixels, 7 * i, axis=0), "MONOCHROME2", 16)
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        paths.append(save(ds, folder / f"ct_raw_{i:02}.dcm"))
    return paths


COMPRESSED = {
    "JPEG-LL SV1": ("1.2.840.10008.1.2.4.70", ["/usr/bin/dcmcjpeg", "+e1"]),
    "JPEG-LS lossless": ("1.2.840.10008.1.2.4.80", ["/usr/bin/dcmcjpls", "+el"]),
    "JPEG 2000 lossless": ("1.2.840.10008.1.2.4.90", []),
    "RLE": ("1.2.840.10008.1.2.5", ["/usr/bin/dcmcrle"]),
}
"""The compressed copies of the raw CT slices (issue 15): dcmtk's encoders, GDCM's for JPEG
2000 (dcmtk has none)."""


def ct_compressed(raw: list[Path], folder: Path, syntax: str) -> list[Path] | None:
    """The raw CT slices re-encoded in ``syntax`` (a :data:`COMPRESSED` key); None when the
    encoder is not installed."""
    uid, command = COMPRESSED[syntax]
    paths = []
    for path in raw:
        target = folder / f"{path.stem}_{uid}.dcm"
        if command:
            if not os.access(command[0], os.X_OK):
                return None
            subprocess.run([*command, str(path), str(target)], check=True, capture_output=True)
        else:
            try:
                import gdcm
            except ImportError:
                return None
            reader = gdcm.ImageReader()
            reader.SetFileName(str(path))
            reader.Read()
            change = gdcm.ImageChangeTransferSyntax()
            change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEG2000Lossless))
            change.SetInput(reader.GetImage())
            change.Change()
            writer = gdcm.ImageWriter()
            writer.SetFileName(str(target))
            writer.SetFile(reader.GetFile())
            writer.SetImage(change.GetOutput())
            writer.Write()
        assert read(target).file_meta.TransferSyntaxUID == uid, f"{target} is not {syntax}"
        paths.append(target)
    return paths


def ct_jpeg_lossless(folder: Path) -> list[Path]:
    source = read(CORPUS / "bad_sequence.dcm")
    paths = []
    for i in range(20):
        ds = copy.deepcopy(source)
        patient(ds)
        ds.InstanceNumber = i + 1
        paths.append(save(ds, folder / f"ct_jpll_{i:02}.dcm"))
    return paths


def synthetic(folder: Path, name: str, rows: int, columns: int, mono1: bool) -> Path:
    """A radiograph of the given size: the corpus CR (a lower leg) enlarged to 12 bits, with
    a little quantum noise, so it compresses like a real one."""
    from PIL import Image

    leg = read(CORPUS / "RG3_J2KI.dcm").pixel_array.astype(np.float32) * 4  # 10 → 12 bits
    big = np.asarray(Image.fromarray(leg, "F").resize((columns, rows), Image.Resampling.BICUBIC))
    noisy = big + np.random.default_rng(5).normal(0, 6, (rows, columns)).astype(np.float32)
    pixels = (noisy if mono1 else 4095 - noisy).clip(0, 4095).astype(np.uint16)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = (
        ComputedRadiographyImageStorage if mono1 else (DigitalXRayImageStorageForPresentation)
    )
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    patient(ds)
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.Modality = "CR" if mono1 else "DX"
    ds.set_pixel_data(pixels, "MONOCHROME1" if mono1 else "MONOCHROME2", 12)
    ds.WindowCenter, ds.WindowWidth = 2200, 4096
    ds.ImagerPixelSpacing = [0.143, 0.143]
    ds.PatientOrientation = ["L", "F"]
    if mono1:
        ds.PresentationLUTShape = "INVERSE"
    return save(ds, folder / name)


# --- timing -------------------------------------------------------------------------------


def timed(function: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):8.1f} ({min(values):.0f}-{max(values):.0f})"


def stages(
    datasets: list[Dataset], film: str, dpi: int, layout: DisplayFormat, runs: int
) -> dict[str, list[float]]:
    """Each stage alone, called from one thread, over every image of the job."""
    frames = frames_of(datasets)
    boxes = cell_boxes(film, dpi, layout)
    shape = sheet_shape(film, dpi)
    decoded = [_decode(ds, f) for ds, f in frames]
    views = [frame_view(ds, f) for ds, f in frames]

    def lut() -> list[np.ndarray]:
        out = []
        for (pixels, photometric, raw), view, (ds, _f) in zip(decoded, views, frames, strict=True):
            if photometric.startswith("MONOCHROME"):
                out.append(_grey_to_display(pixels, copy.copy(view), None, raw).pixels)
            else:
                out.append(_colour_to_display(pixels, photometric, ds))
        return out

    grey = lut()
    placed = [
        fit(g.shape, pixel_aspect(ds), boxes[i % len(boxes)])
        for i, (g, (ds, _f)) in enumerate(zip(grey, frames, strict=True))
    ]
    resampled = [
        resample(g, b - t, r - left) for g, (t, left, b, r) in zip(grey, placed, strict=True)
    ]
    sheets_needed = -(-len(frames) // len(boxes))

    def compose() -> list[np.ndarray]:
        canvases = [np.zeros(shape, dtype=np.uint8) for _ in range(sheets_needed)]
        for i, (image, (t, left, b, r)) in enumerate(zip(resampled, placed, strict=True)):
            canvases[i // len(boxes)][t:b, left:r] = image
        return canvases

    canvases = compose()
    from kiosk_app.services.film.pipeline import render_frame

    rendered = [render_frame(ds, f) for ds, f in frames]

    def annotate() -> None:
        for i, (ds, f) in enumerate(frames):
            annotate_cell(canvases[i // len(boxes)], boxes[i % len(boxes)], placed[i], ds, f,
                          rendered[i], views[i], grey[i].shape, dpi, OPTIONS)  # fmt: skip

    from drivers.base import FilmSheet

    sheets = [FilmSheet(c, film, dpi) for c in canvases]
    return {
        "decode": timed(lambda: [_decode(ds, f) for ds, f in frames], runs),
        "LUT": timed(lut, runs),
        "resample": timed(
            lambda: [
                resample(g, b - t, r - left)
                for g, (t, left, b, r) in zip(grey, placed, strict=True)
            ],
            runs,
        ),
        "compose": timed(compose, runs),
        "annotate": timed(annotate, runs),
        "encode PDF": timed(lambda: sheets_to_pdf(sheets), runs),
        "encode PNG": timed(lambda: [sheet_to_png(s) for s in sheets], runs),
    }


def whole(
    paths: list[Path], film: str, dpi: int, layout: DisplayFormat, runs: int
) -> dict[str, list[float]]:
    """The job as the kiosk runs it (threaded), on datasets freshly parsed for every run, as
    they arrive from the cloud: render and annotate; then the PDF too. Parsing the files
    (``dcmread``, the catalog's work in the kiosk) is timed on its own."""
    blobs = [p.read_bytes() for p in paths]

    def parse() -> list[Dataset]:
        return [pydicom.dcmread(io.BytesIO(blob)) for blob in blobs]

    def timed_job(with_pdf: bool) -> list[float]:
        times = []
        for _ in range(runs):
            datasets = parse()
            start = time.perf_counter()
            sheets = compose_sheets(datasets, film, dpi, layout, annotations=OPTIONS)
            if with_pdf:
                sheets_to_pdf(sheets)
            times.append((time.perf_counter() - start) * 1000)
        return times

    timed_job(True)  # warm: imports, fonts, lookup tables, thread pools
    return {
        "parse files": timed(parse, runs),
        "rendered + annotated": timed_job(False),
        "+ PDF": timed_job(True),
    }


def dcmtk_montage(paths: list[Path], folder: Path, runs: int) -> list[float] | None:
    """The CT sheet as a user would script it: dcmj2pnm per slice, then montage."""
    if not (os.access(DCMJ2PNM, os.X_OK) and shutil.which(MONTAGE)):
        return None
    # 4x5 cells of 1002x977 px (as the kiosk's) with 24 px gutters and 59 px margins: 4200x5100.
    pngs = [folder / f"slice_{i:02}.png" for i in range(len(paths))]

    def run() -> None:
        for path, png in zip(paths, pngs, strict=True):
            subprocess.run([DCMJ2PNM, "+on", "+Wi", "1", str(path), str(png)], check=True)
        subprocess.run(
            [MONTAGE, *map(str, pngs), "-tile", "4x5", "-geometry", "977x977+24+12",
             "-background", "black", "-filter", "Catrom", "-depth", "8", "-colorspace", "Gray",
             "-border", "47", "-bordercolor", "black", str(folder / "sheet.png")],
            check=True,
        )  # fmt: skip

    return timed(run, runs)


def peak_rss_mb(paths: list[Path]) -> float | None:
    """Peak RSS of a fresh process that renders one 4x5 job and writes its PDF."""
    if not os.access(TIME, os.X_OK):
        return None
    code = (
        f"import sys, pydicom; sys.path.insert(0, {str(REPO)!r});"
        "from kiosk_app.services.film import compose_sheets, AnnotationOptions;"
        "from drivers.printer.sheet_pdf import sheets_to_pdf;"
        f"ds = [pydicom.dcmread(p) for p in {[str(p) for p in paths]!r}];"
        "s = compose_sheets(ds, '14INX17IN', 300, (4, 5), annotations=AnnotationOptions());"
        "open('/dev/null', 'wb').write(sheets_to_pdf(s))"
    )
    run = subprocess.run([TIME, "-v", sys.executable, "-c", code], capture_output=True, text=True)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    return int(match[1]) / 1024 if match and run.returncode == 0 else None


def host_speed() -> tuple[float, float]:
    """Medians of a pure-Python loop and of a large memory copy, in ms: the two things the
    film engine's speed hangs on, measured now."""

    def loop() -> None:
        total = 0
        for i in range(3_000_000):
            total += i

    block = np.ones(50_000_000, dtype=np.uint8)
    return (
        statistics.median(timed(loop, 5)),
        statistics.median(timed(block.copy, 7)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dcmtk-runs", type=int, default=5)
    parser.add_argument("--skip-dcmtk", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the corpus files are odd on purpose
    if not CORPUS.is_dir():
        sys.exit(f"the DICOM corpus is not at {CORPUS}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        raw, jpll = ct_slices(folder), ct_jpeg_lossless(folder)
        dx = synthetic(folder, "dx.dcm", 3000, 3000, mono1=False)
        cr = synthetic(folder, "cr.dcm", 2500, 2000, mono1=True)
        us = CORPUS / "examples_ybr_color.dcm"
        cases = [
            ("CT 4x5 raw, 14INX17IN", raw, "14INX17IN", DisplayFormat.standard(4, 5)),
            ("CT 4x5 JPEG-LL, 14INX17IN", jpll, "14INX17IN", DisplayFormat.standard(4, 5)),
            *(
                (f"CT 4x5 raw slices as {syntax}", paths, "14INX17IN",
                 DisplayFormat.standard(4, 5))
                for syntax in COMPRESSED
                if (paths := ct_compressed(raw, folder, syntax)) is not None
            ),
            ("DX 3000x3000 1x1, 14INX17IN", [dx], "14INX17IN", DisplayFormat.standard(1, 1)),
            ("CR 2000x2500 MONO1 1x1, 14INX17IN", [cr], "14INX17IN",
             DisplayFormat.standard(1, 1)),
            ("US 30 frames 2x3, 11INX14IN", [us], "11INX14IN", DisplayFormat.standard(2, 3)),
        ]  # fmt: skip
        rows: list[tuple[str, dict[str, list[float]]]] = []
        for name, paths, film, layout in cases:
            datasets = [read(p) for p in paths]
            result = stages(datasets, film, 300, layout, args.runs)
            result.update(whole(paths, film, 300, layout, args.runs))
            rows.append((name, result))
        # The compressed cases again with every frame decoded in the cells' threads (the
        # decoders hold the GIL there): what the decoder processes gain.
        threads_only: dict[str, list[float]] = {}
        decoding.use_processes(False)
        for name, paths, film, layout in cases:
            if name.startswith("CT 4x5 raw slices as "):
                threads_only[name] = whole(paths, film, 300, layout, args.runs)["+ PDF"]
        decoding.use_processes(True)
        dcmtk = None if args.skip_dcmtk else dcmtk_montage(raw, folder, args.dcmtk_runs)
        rss = peak_rss_mb(raw)

    machine = platform.processor() or platform.machine()
    print(
        f"# Film engine benchmark: {platform.node()}, {machine}, {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}"
    )
    print(f"# load average before/after: {LOAD_BEFORE} / {os.getloadavg()}")
    python_ms, copy_ms = host_speed()
    print(
        f"# host speed now (a shared VM's speed drifts; compare runs by these): 3 M-step "
        f"Python loop {python_ms:.0f} ms, 50 MB memory copy {copy_ms:.1f} ms"
    )
    print(f"# ms, median (min-max) of {args.runs} warm runs; 300 dpi\n")
    columns = ["parse files", *STAGES, "rendered + annotated", "+ PDF"]
    print("| case | " + " | ".join(columns) + " |")
    print("| --- " * (len(columns) + 1) + "|")
    for name, result in rows:
        print(f"| {name} | " + " | ".join(cell(result[c]).strip() for c in columns) + " |")
    ct_total = rows[0][1]["+ PDF"]
    print("\n4x5 sheet from compressed slices (the raw CT's 20 slices re-encoded), rendered +")
    print("annotated + PDF, against the same slices raw (goal: within 1.5x):")
    for name, result in rows:
        if name.startswith("CT 4x5 raw slices as "):
            ratio = statistics.median(result["+ PDF"]) / statistics.median(ct_total)
            decode = statistics.median(result["decode"])
            threads = statistics.median(threads_only[name]) / statistics.median(ct_total)
            print(f"- {name.removeprefix('CT 4x5 raw slices as ')}: {ratio:.2f}x raw "
                  f"(decoding in threads only: {threads:.2f}x; decoding alone: {decode:.0f} ms "
                  "on one thread)")  # fmt: skip
    if dcmtk:
        ratio = statistics.median(dcmtk) / statistics.median(ct_total)
        print(f"\ndcmtk dcmj2pnm x20 + ImageMagick montage, CT 4x5 raw: {cell(dcmtk).strip()} ms "
              f"({args.dcmtk_runs} runs); kiosk render + PDF is {ratio:.0f}x faster")  # fmt: skip
    else:
        print("\ndcmtk + ImageMagick comparison skipped (dcmj2pnm or montage missing, or asked)")
    print(
        f"peak RSS, one 4x5 CT job rendered + PDF in a fresh process: {rss:.0f} MB"
        if rss
        else "peak RSS: /usr/bin/time not available"
    )


LOAD_BEFORE = os.getloadavg()

if __name__ == "__main__":
    main()
