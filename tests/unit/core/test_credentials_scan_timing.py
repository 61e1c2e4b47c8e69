"""Scans told from typing by key timing (the keyboard fallback)."""

from __future__ import annotations

from kiosk_app.core.scan_timing import ScanDetector, ScanTiming


def _feed(detector: ScanDetector, text: str, gap: float, start: float = 100.0) -> list[str]:
    out = []
    for i, char in enumerate(text):
        code = detector.feed(char, start + i * gap)
        if code is not None:
            out.append(code)
    return out


def test_a_fast_burst_ended_by_enter_is_a_scan() -> None:
    assert _feed(ScanDetector(), "DEMO0001\r", gap=0.008) == ["DEMO0001"]


def test_a_person_typing_the_same_code_is_not_a_scan() -> None:
    assert _feed(ScanDetector(), "DEMO0001\r", gap=0.150) == []


def test_typing_before_a_scan_does_not_join_it() -> None:
    detector = ScanDetector()
    assert _feed(detector, "abc", gap=0.2) == []
    assert _feed(detector, "DEMO0002\r", gap=0.01, start=200.0) == ["DEMO0002"]


def test_too_short_bursts_and_a_late_suffix_are_not_scans() -> None:
    assert _feed(ScanDetector(), "AB1\r", gap=0.005) == []
    detector = ScanDetector()
    assert _feed(detector, "DEMO0003", gap=0.005) == []
    assert detector.feed("\r", 101.0) is None  # Enter pressed by a person afterwards


def test_prefix_and_tab_suffix_per_settings() -> None:
    detector = ScanDetector(ScanTiming(suffix="\t", prefix="^", min_length=4))
    assert _feed(detector, "^ACC123456\t", gap=0.02) == ["ACC123456"]
    assert _feed(detector, "ACC123456\t", gap=0.02, start=300) == []
