"""CUPS job options for reports."""

from __future__ import annotations

import pytest

from drivers.printer.cups import document_options


def test_report_options_default_to_a4_single_sided_portrait_unscaled() -> None:
    assert document_options() == {
        "media": "A4",
        "copies": "1",
        "sides": "one-sided",
        "orientation-requested": "3",
        "print-scaling": "none",
    }


def test_report_options_duplex_landscape_copies_and_fit() -> None:
    options = document_options(
        media="Letter", copies=2, duplex=True, landscape=True, scale_to_fit=True
    )
    assert options["sides"] == "two-sided-long-edge"
    assert options["orientation-requested"] == "4"
    assert (options["copies"], options["media"]) == ("2", "Letter")
    assert options["print-scaling"] == "fit" and options["fit-to-page"] == "true"
    with pytest.raises(ValueError):
        document_options(copies=0)
