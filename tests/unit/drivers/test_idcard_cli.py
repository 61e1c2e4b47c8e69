"""``kiosk read-card`` against the simulator on a real pty, and ``kiosk decode`` on files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.idcard.framing import Command, Status
from drivers.idcard.simulator import SAMPLE_CARD, PtyIdCardSimulator
from kiosk_app.cli import main
from tests.conftest import shared_data


def test_read_card_prints_every_field_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    with PtyIdCardSimulator() as sim:
        sim.place(SAMPLE_CARD)
        assert main(["read-card", "--port", sim.port, "--json", "--wait", "5"]) == 0
    fields = json.loads(capsys.readouterr().out)
    assert fields["name"] == "张三"
    assert fields["id_number"] == "110101199003071233"
    assert fields["address"] == "北京市东城区示例街道1号"
    assert fields["valid_to"] == "20400101"


def test_read_card_without_a_card_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with PtyIdCardSimulator() as sim:
        assert main(["read-card", "--port", sim.port, "--wait", "0.3"]) == 4
    assert "no card" in capsys.readouterr().err


def test_read_card_reports_a_failing_sam(capsys: pytest.CaptureFixture[str]) -> None:
    with PtyIdCardSimulator() as sim:
        sim.place(SAMPLE_CARD)
        sim.fail_next(Status.SAM_NOT_AUTHORISED, Command.FIND_CARD)
        assert main(["read-card", "--port", sim.port, "--wait", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("kiosk: ID card reader on ") and "66" in err
    assert len(err.splitlines()) == 1


def test_read_card_on_a_missing_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read-card", "--port", "/dev/ttyNOPE"]) == 1
    assert "/dev/ttyNOPE" in capsys.readouterr().err


def test_decode_prints_what_each_image_holds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = shared_data("barcodes")
    qr, empty = root / "qrcode-3" / "01.png", root / "falsepositives-2" / "01.png"
    assert main(["decode", str(qr), str(empty), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["engine"] == "zxing-cpp"
    assert answer["images"][0]["codes"] == [
        {"text": (root / "qrcode-3" / "01.txt").read_text(encoding="utf-8"), "symbology": "QRCode"}
    ]
    assert answer["images"][1]["codes"] == []
    assert main(["decode", str(empty)]) == 4
    assert "no barcode found" in capsys.readouterr().out
    assert main(["decode", str(tmp_path / "missing.png")]) == 1
    assert "no such file" in capsys.readouterr().err
