"""The reader's conversation, shared by every transport: find, select, read, with errors mapped.

A backend implements ``_send`` and ``_receive`` (escpos's ``_raw`` pattern); the serial port in
``serial_reader.py`` is one, the simulator's tests drive another.
"""

from __future__ import annotations

import abc
import logging
import time
from collections.abc import Callable

from drivers.base import Availability
from drivers.idcard.card import IdCard, parse_text_block, split_read_data
from drivers.idcard.errors import (
    FrameError,
    IdCardError,
    ReaderStatusError,
    ReaderTimeoutError,
)
from drivers.idcard.framing import Command, FrameParser, Response, Status, build_request

log = logging.getLogger(__name__)

#: status codes whose meaning for the patient is "place the card again"
RETRY_WITH_CARD = frozenset({Status.READ_FAILED, Status.SELECT_FAILED, Status.READER_AUTH_CARD})


def status_error(command: Command, response: Response) -> ReaderStatusError:
    code = {
        Status.READ_FAILED: "idcard.read_failed",
        Status.SELECT_FAILED: "idcard.select_failed",
        Status.WRONG_CARD_TYPE: "idcard.wrong_card",
        Status.SAM_SELF_TEST: "idcard.sam_failed",
        Status.SAM_NOT_AUTHORISED: "idcard.sam_failed",
    }.get(response.sw3, "idcard.status")  # type: ignore[call-overload]
    return ReaderStatusError(
        code,
        f"{command.name.lower()}: status {response.sw1:02X} {response.sw2:02X} "
        f"{response.sw3:02X} ({response.status_text})",
        response.sw3,
    )


class IdCardReader(abc.ABC):
    """A resident ID card reader speaking the SAM protocol."""

    def __init__(
        self, *, timeout: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.timeout = timeout
        self.clock = clock
        self._parser = FrameParser()

    @classmethod
    def is_available(cls) -> Availability:
        return Availability(True)

    def open(self) -> None:  # noqa: B027 - optional hook
        """Acquire the port."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the port."""

    def __enter__(self) -> IdCardReader:
        self.open()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def _send(self, data: bytes) -> None:
        """Write bytes to the reader."""

    @abc.abstractmethod
    def _receive(self, timeout: float) -> bytes:
        """Whatever bytes arrive within ``timeout`` seconds (b"" if none)."""

    # ------------------------------------------------------------------ conversation

    def transact(self, command: Command, *, retries: int = 1) -> Response:
        """Send one command and wait for its answer; a garbled answer is asked for again."""
        for attempt in range(retries + 1):
            self._parser.reset()
            self._send(build_request(command))
            try:
                return self._await(command)
            except FrameError as exc:
                if attempt == retries:
                    raise
                log.warning("ID card reader: %s; asking again", exc.detail)
        raise AssertionError("unreachable")  # pragma: no cover

    def _await(self, command: Command) -> Response:
        deadline = self.clock() + self.timeout
        while True:
            left = deadline - self.clock()
            if left <= 0:
                got = self._parser.pending
                raise ReaderTimeoutError(
                    "idcard.timeout",
                    f"{command.name.lower()}: no complete answer within {self.timeout:g} s "
                    f"({got} bytes received)",
                )
            frames = self._parser.feed(self._receive(min(left, 0.2)))
            if frames:
                return Response.from_payload(frames[0])

    def find(self) -> bool:
        """Whether a (new) card is in the field."""
        response = self.transact(Command.FIND_CARD)
        if response.sw3 == Status.FIND_OK:
            return True
        if response.sw3 == Status.NO_CARD:
            return False
        raise status_error(Command.FIND_CARD, response)

    def read_card(self, *, fingerprint: bool = False) -> IdCard | None:
        """Find, select and read the card in the field; None when there is none.

        A card that was read must leave the field before the reader finds it again, so calling
        this in a loop reads each placement once.
        """
        if not self.find():
            return None
        response = self.transact(Command.SELECT_CARD)
        if not response.ok:
            raise status_error(Command.SELECT_CARD, response)
        command = Command.READ_TEXT_PHOTO_FINGERPRINT if fingerprint else Command.READ_TEXT_PHOTO
        response = self.transact(command)
        if not response.ok:
            raise status_error(command, response)
        text, photo, prints = split_read_data(response.data, with_fingerprint=fingerprint)
        card = parse_text_block(text, photo, prints)
        log.info("ID card read (%s)", card.card_type.name.lower())
        return card

    def wait_for_card(self, timeout: float, poll: float = 0.3) -> IdCard | None:
        """Poll for a card until ``timeout``; None if none was placed."""
        deadline = self.clock() + timeout
        while True:
            try:
                card = self.read_card()
            except ReaderStatusError as exc:
                if exc.status not in RETRY_WITH_CARD:
                    raise
                log.info("ID card read failed (%s); waiting for the card again", exc.detail)
                card = None
            if card is not None:
                return card
            if self.clock() >= deadline:
                return None
            time.sleep(poll)

    def sam_status(self) -> Response:
        """The SAM's self-check (installer's check); raises on an error status."""
        return self._checked(Command.SAM_STATUS)

    def reset_sam(self) -> Response:
        """Reset the SAM module (after a self-test failure); raises on an error status."""
        return self._checked(Command.RESET_SAM)

    def sam_id(self) -> bytes:
        """The SAM's identification bytes (management information)."""
        return self._checked(Command.SAM_ID).data

    def _checked(self, command: Command) -> Response:
        response = self.transact(command)
        if not response.ok:
            raise status_error(command, response)
        return response


__all__ = ["IdCardError", "IdCardReader", "status_error"]
