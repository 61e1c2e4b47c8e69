"""The large synthetic CT of the benchmarks: lossless in both syntaxes, realistic compression."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from tests.helpers.large_ct import SYNTAXES, LargeStudy, encode_slice, slice_dataset


@pytest.mark.parametrize("syntax", sorted(SYNTAXES))
def test_a_slice_encodes_losslessly_with_its_fixed_uid_and_a_ct_like_ratio(
    syntax: str, tmp_path: Path
) -> None:
    if syntax == "jpeg-lossless" and not shutil.which("dcmcjpeg"):
        pytest.skip("dcmcjpeg (dcmtk) is not installed")
    study = LargeStudy(syntax)
    data = encode_slice(study, 200, tmp_path)
    ds = dcmread(io.BytesIO(data))
    assert ds.file_meta.TransferSyntaxUID == SYNTAXES[syntax]
    assert ds.SOPInstanceUID == study.sop_uid(200)
    assert ds.StudyInstanceUID == study.study_uid
    np.testing.assert_array_equal(ds.pixel_array, slice_dataset(study, 200).pixel_array)
    ratio = 512 * 512 * 2 / len(data)
    assert 1.8 < ratio < 4, ratio  # like real CT, not a flat image


def test_slices_change_along_the_series_and_look_like_ct() -> None:
    study = LargeStudy("jpeg-lossless")
    top = slice_dataset(study, 100).pixel_array.astype(int) - 1024
    low = slice_dataset(study, 500).pixel_array.astype(int) - 1024
    assert (top < -700).mean() > (low < -700).mean() + 0.05  # lungs above, not below
    assert top.std() > 300 and 8 < np.diff(low[250, 200:300]).std() < 40  # noise, not flat
