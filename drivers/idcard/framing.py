"""Frames of the ID card reader protocol, built and parsed without any I/O.

Request:  ``AA AA AA 96 69 | Len1 Len2 | CMD Para | Data | CHK``
Response: ``AA AA AA 96 69 | Len1 Len2 | SW1 SW2 SW3 | Data | CHK``

Len is big-endian and counts everything after itself, CHK included; CHK is the XOR of every
byte after the preamble except itself (so the length bytes are included). :class:`FrameParser`
is fed bytes as they arrive, like pyserial's ``Packetizer``, and hands back whole frames; the
serial reader and the simulator are thin shells around it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import reduce

from drivers.idcard.errors import FrameError

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
#: the largest length field a reader sends: read 30 10 with a 1024-byte fingerprint (2321 bytes)
MAX_LENGTH = 2321 - 7
_HEADER = len(PREAMBLE) + 2


class Command(enum.Enum):
    """The commands the kiosk sends (CMD, Para)."""

    RESET_SAM = (0x10, 0xFF)
    """Reset the SAM module."""
    SAM_STATUS = (0x11, 0xFF)
    """Check the SAM's status."""
    SAM_ID = (0x12, 0xFF)
    """Read the SAM's ID (management information)."""
    FIND_CARD = (0x20, 0x01)
    """Look for a card in the field."""
    SELECT_CARD = (0x20, 0x02)
    """Select the card found."""
    READ_TEXT_PHOTO = (0x30, 0x01)
    """Read the text block and the photo."""
    READ_NEW_ADDRESS = (0x30, 0x03)
    """Read the latest appended address."""
    READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)
    """Read text, photo and fingerprint."""


class Status(enum.IntEnum):
    """SW3, the reader's own status byte."""

    SUCCESS = 0x90
    """Success."""
    FIND_OK = 0x9F
    """A card was found (data: the card's 4-byte IIN)."""
    CHECKSUM = 0x10
    """The reader saw a checksum error in our frame."""
    LENGTH = 0x11
    """The reader saw a length error in our frame."""
    COMMAND = 0x21
    """Bad command value or combination."""
    UNRECOGNISED = 0x24
    """Unrecognised error."""
    CARD_AUTH_READER = 0x31
    """The card failed to authenticate the reader."""
    READER_AUTH_CARD = 0x32
    """The reader failed to authenticate the card."""
    VERIFICATION = 0x33
    """Information verification error."""
    WRONG_CARD_TYPE = 0x40
    """Not a resident ID card."""
    READ_FAILED = 0x41
    """Reading the card failed (often: the card was moved away)."""
    RANDOM_FAILED = 0x47
    """Getting a random number failed."""
    SAM_SELF_TEST = 0x60
    """SAM self-test failed; it accepts no commands."""
    SAM_NOT_AUTHORISED = 0x66
    """SAM not authorised."""
    NO_CARD = 0x80
    """Find card failed: no card in the field."""
    SELECT_FAILED = 0x81
    """Select card failed."""
    NO_CONTENT = 0x91
    """The card has no content for this item (no appended address)."""

    @property
    def ok(self) -> bool:
        return self in (Status.SUCCESS, Status.FIND_OK)


#: operator text per SW3 (the published status table)
STATUS_TEXT: dict[int, str] = {
    Status.SUCCESS: "success",
    Status.FIND_OK: "card found",
    Status.CHECKSUM: "checksum error in the host frame",
    Status.LENGTH: "length error in the host frame",
    Status.COMMAND: "command error",
    Status.UNRECOGNISED: "unrecognised error",
    Status.CARD_AUTH_READER: "card failed to authenticate the reader",
    Status.READER_AUTH_CARD: "reader failed to authenticate the card",
    Status.VERIFICATION: "information verification error",
    Status.WRONG_CARD_TYPE: "wrong card type",
    Status.READ_FAILED: "read card failed",
    Status.RANDOM_FAILED: "get-random failed",
    Status.SAM_SELF_TEST: "SAM self-test failed",
    Status.SAM_NOT_AUTHORISED: "SAM not authorised",
    Status.NO_CARD: "no card",
    Status.SELECT_FAILED: "select card failed",
    Status.NO_CONTENT: "no content for this item",
}


def checksum(body: bytes) -> int:
    """XOR of ``body`` (the length bytes and everything after them, CHK excluded)."""
    return reduce(lambda a, b: a ^ b, body, 0)


def _frame(payload: bytes) -> bytes:
    if len(payload) + 1 > 0xFFFF:
        raise FrameError("idcard.length", f"payload of {len(payload)} bytes is too long")
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def build_request(command: Command, data: bytes = b"") -> bytes:
    """The bytes to send for ``command``."""
    cmd, para = command.value
    return _frame(bytes([cmd, para]) + data)


def build_response(sw1: int, sw2: int, sw3: int, data: bytes = b"") -> bytes:
    """A reader's answer (what the simulator sends)."""
    return _frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Request:
    """A parsed request frame (the simulator's side)."""

    cmd: int
    para: int
    data: bytes = b""

    @property
    def command(self) -> Command | None:
        try:
            return Command((self.cmd, self.para))
        except ValueError:
            return None

    @classmethod
    def from_payload(cls, payload: bytes) -> Request:
        if len(payload) < 2:
            raise FrameError("idcard.length", f"request payload of {len(payload)} bytes")
        return cls(payload[0], payload[1], payload[2:])


@dataclass(frozen=True)
class Response:
    """A parsed response frame."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    @property
    def ok(self) -> bool:
        return self.sw3 in (Status.SUCCESS, Status.FIND_OK)

    @property
    def status_text(self) -> str:
        return STATUS_TEXT.get(self.sw3, f"unknown status {self.sw3:02X}")

    @classmethod
    def from_payload(cls, payload: bytes) -> Response:
        if len(payload) < 3:
            raise FrameError("idcard.length", f"response payload of {len(payload)} bytes")
        return cls(payload[0], payload[1], payload[2], payload[3:])


class FrameParser:
    """Reassembles frames from a byte stream.

    :meth:`feed` takes whatever arrived and returns the payloads (the bytes between the length
    field and CHK) of every complete frame, in order. Noise before a preamble is dropped. A
    frame with a bad checksum or an impossible length raises FrameError once, after the good
    frames before it have been returned; the parser has skipped past it, so the next
    :meth:`feed` (even ``feed(b"")``) carries on with what follows.
    """

    def __init__(self, max_length: int = MAX_LENGTH) -> None:
        self._buffer = bytearray()
        self._error: FrameError | None = None
        self.max_length = max_length

    @property
    def pending(self) -> int:
        """Bytes held that do not form a whole frame yet."""
        return len(self._buffer)

    def reset(self) -> None:
        self._buffer.clear()
        self._error = None

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer.extend(data)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        frames: list[bytes] = []
        while True:
            try:
                frame = self._next()
            except FrameError as exc:
                if not frames:
                    raise
                self._error = exc
                return frames
            if frame is None:
                return frames
            frames.append(frame)

    def _next(self) -> bytes | None:
        start = self._buffer.find(PREAMBLE)
        if start < 0:
            # Keep what could be the beginning of a preamble split across reads.
            keep = 0
            for n in range(len(PREAMBLE) - 1, 0, -1):
                if self._buffer.endswith(PREAMBLE[:n]):
                    keep = n
                    break
            del self._buffer[: len(self._buffer) - keep]
            return None
        del self._buffer[:start]
        if len(self._buffer) < _HEADER:
            return None
        length = int.from_bytes(self._buffer[5:7], "big")
        if length < 3 or length > self.max_length:
            # Not a frame after all: resynchronise one byte further on.
            del self._buffer[:1]
            raise FrameError("idcard.length", f"impossible length field {length}")
        end = _HEADER + length
        if len(self._buffer) < end:
            return None
        body = bytes(self._buffer[5 : end - 1])
        chk = self._buffer[end - 1]
        del self._buffer[:end]
        if checksum(body) != chk:
            raise FrameError(
                "idcard.checksum", f"frame checksum {chk:02X}, computed {checksum(body):02X}"
            )
        return body[2:]
