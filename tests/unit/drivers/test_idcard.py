"""The ID card reader protocol: frames, the text block layouts, and the reader over a real pty."""

from __future__ import annotations

import contextlib
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.idcard.card import (
    CardType,
    IdCard,
    build_text_block,
    parse_text_block,
    split_read_data,
)
from drivers.idcard.errors import (
    CardDataError,
    FrameError,
    IdCardError,
    ReaderStatusError,
    ReaderTimeoutError,
)
from drivers.idcard.fake import FakeIdCardReader
from drivers.idcard.framing import (
    Command,
    FrameParser,
    Response,
    Status,
    build_request,
    build_response,
)
from drivers.idcard.serial_reader import SerialIdCardReader
from drivers.idcard.simulator import SAMPLE_CARD, Fault, IdCardSimulator, PtyIdCardSimulator
from tests.conftest import shared_data

_HEX = re.compile(r"((?:[0-9A-F]{2} )*[0-9A-F]{2})\s*$")


def _transcript() -> tuple[dict[str, bytes], bytes]:
    """Named one-line frames, and the 1295-byte read answer, from the shared transcript."""
    lines = shared_data("idcard_sam_transcript_example.txt").read_text().splitlines()
    named: dict[str, bytes] = {}
    dump = bytearray()
    for line in lines:
        if re.match(r"\s+[0-9A-F]{4}: ", line):
            dump.extend(bytes.fromhex(line.split(":", 1)[1]))
        elif line.startswith(("REQ ", "RSP ")) and (m := _HEX.search(line)):
            named[re.sub(r"\s+", " ", line[: m.start()].strip())] = bytes.fromhex(m.group(1))
    return named, bytes(dump)


def test_request_frames_match_the_transcript_byte_for_byte() -> None:
    named, _ = _transcript()
    expected = {
        "REQ reset SAM": Command.RESET_SAM,
        "REQ SAM status": Command.SAM_STATUS,
        "REQ read SAM ID": Command.SAM_ID,
        "REQ find card": Command.FIND_CARD,
        "REQ select card": Command.SELECT_CARD,
        "REQ read text+photo": Command.READ_TEXT_PHOTO,
        "REQ read text+photo+fingerprint": Command.READ_TEXT_PHOTO_FINGERPRINT,
    }
    for name, command in expected.items():
        assert build_request(command) == named[name], name
    assert build_response(0, 0, Status.FIND_OK, bytes(4)) == named["RSP find card OK"]
    assert build_response(0, 0, Status.NO_CARD) == named["RSP find card FAILED"]
    assert build_response(0, 0, Status.SUCCESS, bytes(8)) == named["RSP select card OK"]


def test_the_transcripts_read_answer_parses_to_every_field() -> None:
    _, dump = _transcript()
    assert len(dump) == 1295
    [payload] = FrameParser().feed(dump)
    response = Response.from_payload(payload)
    assert response.ok
    text, photo, prints = split_read_data(response.data, with_fingerprint=False)
    card = parse_text_block(text, photo, prints)
    assert card.fields() == {
        **SAMPLE_CARD.fields(),
    }
    assert card.name == "张三" and card.id_number == "110101199003071233"
    assert card.card_type is CardType.RESIDENT and len(card.photo) == 1024


def test_the_simulator_answers_with_the_transcripts_bytes() -> None:
    _, dump = _transcript()
    sent: list[bytes] = []
    sim = IdCardSimulator(-1)
    sim._write = sent.append  # type: ignore[method-assign]
    sim.place(SAMPLE_CARD)
    for command in (Command.FIND_CARD, Command.SELECT_CARD, Command.READ_TEXT_PHOTO):
        sim.handle_bytes(build_request(command))
    assert sent[-1] == dump


def test_a_real_pty_reads_the_transcripts_card_once_per_placement() -> None:
    with PtyIdCardSimulator() as sim, SerialIdCardReader(sim.port, timeout=2) as reader:
        sim.place(SAMPLE_CARD)
        card = reader.read_card()
        assert card is not None
        assert card.fields() == {
            "card_type": "resident",
            "name": "张三",
            "sex": "male",
            "ethnic_code": "01",
            "birth_date": "19900307",
            "address": "北京市东城区示例街道1号",
            "id_number": "110101199003071233",
            "issuing_authority": "北京市公安局东城分局",
            "valid_from": "20200101",
            "valid_to": "20400101",
            "photo_bytes": "1024",
        }
        # Still on the reader: not read again until it leaves the field and comes back.
        assert reader.read_card() is None
        sim.remove()
        assert reader.read_card() is None
        sim.place(SAMPLE_CARD)
        assert reader.read_card() == card


@pytest.mark.parametrize("status", [s for s in Status if not s.ok and s is not Status.NO_CARD])
def test_every_error_status_word_becomes_a_typed_error(status: Status) -> None:
    with PtyIdCardSimulator() as sim, SerialIdCardReader(sim.port, timeout=2) as reader:
        sim.place(SAMPLE_CARD)
        sim.fail_next(int(status), Command.READ_TEXT_PHOTO)
        with pytest.raises(ReaderStatusError) as info:
            reader.read_card()
        assert info.value.status == status
        assert f"{int(status):02X}" in info.value.detail


def test_a_bad_checksum_is_asked_for_again_and_then_reported() -> None:
    with PtyIdCardSimulator() as sim, SerialIdCardReader(sim.port, timeout=2) as reader:
        sim.place(SAMPLE_CARD)
        sim.fail_next(Fault.BAD_CHECKSUM, Command.FIND_CARD)
        assert reader.read_card() is not None  # one retry hides one garbled answer
        sim.place(SAMPLE_CARD)
        sim.fail_next(Fault.BAD_CHECKSUM, Command.FIND_CARD)
        sim.fail_next(Fault.BAD_CHECKSUM, Command.FIND_CARD)
        with pytest.raises(FrameError) as info:
            reader.read_card()
        assert info.value.code == "idcard.checksum"


def test_a_silent_reader_times_out() -> None:
    with PtyIdCardSimulator() as sim, SerialIdCardReader(sim.port, timeout=0.5) as reader:
        sim.place(SAMPLE_CARD)
        sim.fail_next(Fault.SILENT, Command.FIND_CARD)
        with pytest.raises(ReaderTimeoutError) as info:
            reader.read_card()
        assert "0 bytes" in info.value.detail


def test_a_card_pulled_away_mid_read_times_out_then_reads_when_placed_again() -> None:
    with PtyIdCardSimulator() as sim, SerialIdCardReader(sim.port, timeout=0.5) as reader:
        sim.place(SAMPLE_CARD)
        sim.fail_next(Fault.PULLED_AWAY, Command.READ_TEXT_PHOTO)
        with pytest.raises(ReaderTimeoutError):
            reader.read_card()
        assert reader.read_card() is None
        sim.place(SAMPLE_CARD)
        card = reader.read_card()
        assert card is not None and card.id_number == SAMPLE_CARD.id_number


def test_a_host_frame_with_a_bad_checksum_gets_status_10() -> None:
    sent: list[bytes] = []
    sim = IdCardSimulator(-1)
    sim._write = sent.append  # type: ignore[method-assign]
    bad = bytearray(build_request(Command.FIND_CARD))
    bad[-1] ^= 1
    sim.handle_bytes(bytes(bad))
    assert sent == [build_response(0, 0, Status.CHECKSUM)]


def test_wait_for_card_returns_the_card_placed_later() -> None:
    with PtyIdCardSimulator() as sim, SerialIdCardReader(sim.port, timeout=1) as reader:
        placed = False

        def clock() -> float:
            nonlocal placed
            if not placed and len(sim.requests) >= 2:
                sim.place(SAMPLE_CARD)
                placed = True
            return time.monotonic()

        reader.clock = clock
        card = reader.wait_for_card(timeout=5, poll=0.01)
        assert card is not None and card.name == "张三"


@pytest.mark.parametrize(
    "card",
    [
        IdCard(
            CardType.HMT_PERMIT,
            "陈大文",
            "male",
            "19800101",
            "810000198001010012",
            "20190101",
            "20240101",
            address="广东省深圳市福田区",
            issuing_authority="深圳市公安局",
            extra={"travel_permit_number": "H12345678", "issue_count": "01"},
        ),
        IdCard(
            CardType.FOREIGN_2017,
            "史密斯",
            "female",
            "19750505",
            "USA110075050501",
            "20170601",
            "20270601",
            english_name="SMITH, JANE",
            nationality="USA",
            issuing_authority="1500",
            extra={"card_version": "01"},
        ),
        IdCard(
            CardType.FOREIGN_2023,
            "约翰",
            "male",
            "19880808",
            "911840198808080019",
            "20231201",
            "20331201",
            english_name="JOHNSON, JOHN ALEXANDER MAXIMILIAN FREDERICK W",
            nationality="GBR",
            extra={"renewal_count": "00"},
        ),
    ],
    ids=["J", "I", "Y"],
)
def test_other_card_layouts_round_trip(card: IdCard) -> None:
    block = build_text_block(card)
    assert len(block) == 256
    parsed = parse_text_block(block)
    assert parsed.card_type is card.card_type
    assert parsed.fields() == {**card.fields(), "photo_bytes": "0"}


def test_unknown_card_type_and_wrong_lengths_are_card_data_errors() -> None:
    block = bytearray(build_text_block(SAMPLE_CARD))
    block[248:250] = "Q".encode("utf-16-le")
    with pytest.raises(CardDataError):
        parse_text_block(bytes(block))
    with pytest.raises(CardDataError):
        split_read_data(b"\x01\x00\x04\x00" + bytes(10), with_fingerprint=False)


def test_the_fake_reader_hands_out_queued_cards() -> None:
    reader = FakeIdCardReader([SAMPLE_CARD])
    assert reader.read_card() == SAMPLE_CARD
    assert reader.read_card() is None


def test_frames_split_across_reads_and_after_noise_are_reassembled() -> None:
    frame = build_response(0, 0, Status.SUCCESS, bytes(8))
    parser = FrameParser()
    stream = b"\x00\xaa\x13" + frame + frame
    out: list[bytes] = []
    for i in range(len(stream)):
        out.extend(parser.feed(stream[i : i + 1]))
    assert out == [frame[7:-1], frame[7:-1]]


def test_good_frames_before_a_bad_one_are_returned_first() -> None:
    good = build_response(0, 0, Status.SUCCESS)
    bad = bytearray(good)
    bad[-1] ^= 0x55
    parser = FrameParser()
    assert parser.feed(good + bytes(bad) + good) == [good[7:-1]]
    with pytest.raises(FrameError):
        parser.feed(b"")
    assert parser.feed(b"") == [good[7:-1]]


_frames = st.builds(
    lambda sw, data: build_response(0, 0, sw, data),
    st.integers(0, 255),
    st.binary(max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_frames, st.binary(max_size=30)), max_size=8), st.data())
def test_fuzzed_streams_raise_only_frame_errors(chunks: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(chunks)
    parser = FrameParser()
    pos = 0
    while pos < len(stream):
        step = data.draw(st.integers(1, 16))
        try:
            for payload in parser.feed(stream[pos : pos + step]):
                Response.from_payload(payload)
        except FrameError:
            pass
        pos += step
    for _ in range(len(stream)):
        try:
            parser.feed(b"")
            break
        except FrameError:
            continue


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=300))
def test_fuzzed_card_data_raises_only_card_data_errors(blob: bytes) -> None:
    try:
        text, photo, prints = split_read_data(blob, with_fingerprint=False)
        parse_text_block(text, photo, prints)
    except CardDataError:
        pass
    with contextlib.suppress(CardDataError):
        parse_text_block(blob[:256].ljust(256, b"\x20"))


def test_driver_errors_share_one_base() -> None:
    assert issubclass(ReaderStatusError, IdCardError)
    assert issubclass(FrameError, IdCardError)


def test_sam_status_reset_and_id_over_the_pty() -> None:
    with PtyIdCardSimulator() as sim, SerialIdCardReader(sim.port, timeout=2) as reader:
        assert reader.sam_status().sw3 == Status.SUCCESS
        assert reader.reset_sam().ok
        assert len(reader.sam_id()) == 16
        sim.fail_next(Status.SAM_SELF_TEST, Command.SAM_STATUS)
        with pytest.raises(ReaderStatusError) as info:
            reader.sam_status()
        assert info.value.code == "idcard.sam_failed"
        assert "SAM self-test failed" in info.value.detail
