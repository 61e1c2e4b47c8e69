"""CUPS job options for reports and films, and film sizes as PWG media."""

from __future__ import annotations

import pytest

from drivers.printer.cups import document_options, film_options
from drivers.printer.media import (
    PWG_MEDIA,
    film_size_names,
    match_media,
    parse_size,
    pwg_media,
)
from kiosk_app.services.film.layout import FILM_SIZES


def test_report_options_default_to_a4_single_sided_portrait_unscaled() -> None:
    assert document_options() == {
        "media": "iso_a4_210x297mm",
        "copies": "1",
        "sides": "one-sided",
        "orientation-requested": "3",
        "print-scaling": "none",
        "fit-to-page": "false",
    }


def test_film_options_carry_the_true_size_unscaled_and_greyscale() -> None:
    assert film_options("14INX17IN") == {
        "media": "oe_14x17_14x17in",
        "print-scaling": "none",
        "fit-to-page": "false",
        "orientation-requested": "3",
        "print-color-mode": "monochrome",
    }
    assert film_options("8INX10IN", portrait=False)["orientation-requested"] == "4"
    assert film_options("8INX10IN")["media"] == "na_govt-letter_8x10in"
    with pytest.raises(ValueError, match="35INX43IN"):
        film_options("35INX43IN")


@pytest.mark.parametrize("size", sorted(FILM_SIZES))
def test_every_film_size_has_a_pwg_name_of_its_own_size(size: str) -> None:
    width_in, height_in = FILM_SIZES[size]
    parsed = parse_size(pwg_media(size))
    assert parsed is not None
    assert parsed.points == pytest.approx((width_in * 72, height_in * 72), abs=0.3)
    assert set(PWG_MEDIA) == set(FILM_SIZES)


def test_pwg_names_as_pwg_5101_1_spells_them() -> None:
    assert parse_size("oe_14x17_14x17in") is not None
    assert parse_size("oe_14x17_14x17in").points == (1008, 1224)  # type: ignore[union-attr]
    assert parse_size("iso_a4_210x297mm").points == pytest.approx((595.28, 841.89), abs=0.01)  # type: ignore[union-attr]
    assert parse_size("custom_min_0.5x0.5in") is not None
    assert parse_size("A4") is None and parse_size("na_letter") is None


def test_media_supported_is_matched_by_size_and_custom_ranges_count() -> None:
    # what CUPS lists for a -m everywhere queue whose printer has 14x17 in film
    queue = ["custom_10x12in_10x12in", "na_edp_11x14in", "custom_14x17in_14x17in"]
    assert match_media("oe_14x17_14x17in", queue).supported == "custom_14x17in_14x17in"
    assert match_media("na_edp_11x14in", queue).supported == "na_edp_11x14in"
    assert not match_media("oe_14x14_14x14in", queue).ok
    assert not match_media("iso_a4_210x297mm", queue).ok
    ranged = [*queue, "custom_min_3x5in", "custom_max_17x24in"]
    assert match_media("oe_14x14_14x14in", ranged).ok
    assert match_media("om_24x30cm_240x300mm", ranged).ok
    small = [*queue, "custom_min_3x5in", "custom_max_11x14in"]
    assert not match_media("iso_a3_297x420mm", small).ok
    # 14x17 turned sideways is the same medium
    assert match_media("oe_14x17_14x17in", ["custom_17x14in_17x14in"]).ok


def test_film_size_names_are_what_an_installer_reads() -> None:
    names = film_size_names(
        ["custom_14x17in_14x17in", "na_govt-letter_8x10in", "na_letter_8.5x11in",
         "custom_min_3x5in", "custom_max_17x24in"]
    )  # fmt: skip
    assert names == ["14INX17IN", "8INX10IN", "na_letter_8.5x11in", "custom 3x5in..17x24in"]


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
