"""A reader simulator speaking the protocol's bytes on a pseudo-terminal pair.

For tests and the demo: ``kiosk read-card --port`` or the kiosk itself opens the pty's slave
side exactly as it would open ``/dev/ttyUSB0``. The simulator follows the reader's rules (find,
select, then read; a card that was read must leave the field before it is found again) and can
be told to misbehave: any error status word, a bad checksum, silence, a card pulled away
halfway through a read.

Run ``python -m drivers.idcard.simulator`` to get a port with the sample card on it.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import select
import threading
import tty
from collections import deque
from dataclasses import dataclass

from drivers.idcard.card import CardType, IdCard, build_text_block
from drivers.idcard.errors import FrameError
from drivers.idcard.framing import Command, FrameParser, Request, Status, build_response

log = logging.getLogger(__name__)

#: the card of the shared protocol transcript (made-up data, valid check digit)
SAMPLE_CARD = IdCard(
    card_type=CardType.RESIDENT,
    name="张三",
    sex="male",
    ethnic_code="01",
    birth_date="19900307",
    address="北京市东城区示例街道1号",
    id_number="110101199003071233",
    issuing_authority="北京市公安局东城分局",
    valid_from="20200101",
    valid_to="20400101",
    photo=bytes(1024),
)


class Fault(enum.Enum):
    """A misbehaviour for the next matching command."""

    BAD_CHECKSUM = "bad_checksum"
    """Answer with a frame whose checksum is wrong."""
    SILENT = "silent"
    """Do not answer at all."""
    PULLED_AWAY = "pulled_away"
    """Send part of the read answer, then nothing; the card has left the field."""


@dataclass
class _Planned:
    command: Command | None
    fault: Fault | int
    """A Fault, or an SW3 status to answer with."""


class IdCardSimulator:
    """The reader's behaviour on one file descriptor (a pty master)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.card: IdCard | None = None
        self._found = False
        self._selected = False
        self._read_done = False
        self._plans: deque[_Planned] = deque()
        self._parser = FrameParser()
        self._lock = threading.Lock()
        self.requests: list[bytes] = []
        """Every request payload received, in order (for tests)."""

    # ------------------------------------------------------------------ what the test does

    def place(self, card: IdCard = SAMPLE_CARD) -> None:
        with self._lock:
            self.card = card
            self._found = self._selected = self._read_done = False

    def remove(self) -> None:
        with self._lock:
            self.card = None
            self._found = self._selected = self._read_done = False

    def fail_next(self, fault: Fault | int, command: Command | None = None) -> None:
        """Misbehave on the next request (of ``command``, when given)."""
        with self._lock:
            self._plans.append(_Planned(command, fault))

    # ------------------------------------------------------------------ the reader's side

    def handle_bytes(self, data: bytes) -> None:
        try:
            payloads = self._parser.feed(data)
        except FrameError as exc:
            code = Status.CHECKSUM if exc.code == "idcard.checksum" else Status.LENGTH
            self._write(build_response(0, 0, code))
            return
        for payload in payloads:
            self.requests.append(payload)
            self._answer(Request.from_payload(payload))

    def _plan_for(self, command: Command | None) -> _Planned | None:
        for plan in self._plans:
            if plan.command is None or plan.command is command:
                self._plans.remove(plan)
                return plan
        return None

    def _answer(self, request: Request) -> None:
        command = request.command
        with self._lock:
            plan = self._plan_for(command)
            if plan is not None and self._misbehave(plan, command):
                return
            self._write(self._respond(command))

    def _misbehave(self, plan: _Planned, command: Command | None) -> bool:
        if plan.fault is Fault.SILENT:
            return True
        if plan.fault is Fault.BAD_CHECKSUM:
            good = self._respond(command)
            self._write(good[:-1] + bytes([good[-1] ^ 0xFF]))
            return True
        if plan.fault is Fault.PULLED_AWAY:
            answer = self._respond(command)
            self._write(answer[: len(answer) // 3])
            self.card = None
            self._found = self._selected = self._read_done = False
            return True
        assert isinstance(plan.fault, int)
        self._write(build_response(0, 0, plan.fault))
        return True

    def _respond(self, command: Command | None) -> bytes:
        if command is None:
            return build_response(0, 0, Status.COMMAND)
        if command in (Command.RESET_SAM, Command.SAM_STATUS):
            return build_response(0, 0, Status.SUCCESS)
        if command is Command.SAM_ID:
            return build_response(0, 0, Status.SUCCESS, bytes(16))
        if command is Command.FIND_CARD:
            if self.card is None or self._read_done:
                return build_response(0, 0, Status.NO_CARD)
            self._found = True
            return build_response(0, 0, Status.FIND_OK, bytes(4))
        if command is Command.SELECT_CARD:
            if self.card is None or not self._found:
                return build_response(0, 0, Status.SELECT_FAILED)
            self._selected = True
            return build_response(0, 0, Status.SUCCESS, bytes(8))
        if command in (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT):
            if self.card is None or not self._selected:
                return build_response(0, 0, Status.READ_FAILED)
            card = self.card
            text = build_text_block(card)
            photo = card.photo or bytes(1024)
            lengths = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
            tail = b""
            if command is Command.READ_TEXT_PHOTO_FINGERPRINT:
                lengths += len(card.fingerprint).to_bytes(2, "big")
                tail = card.fingerprint
            self._found = self._selected = False
            self._read_done = True  # the card must leave the field before the next find
            return build_response(0, 0, Status.SUCCESS, lengths + text + photo + tail)
        if command is Command.READ_NEW_ADDRESS:
            return build_response(0, 0, Status.NO_CONTENT)
        return build_response(0, 0, Status.COMMAND)

    def _write(self, data: bytes) -> None:
        os.write(self.fd, data)


class PtyIdCardSimulator(IdCardSimulator):
    """The simulator on its own pseudo-terminal; ``port`` is the path a reader opens."""

    def __init__(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        tty.setraw(master)
        super().__init__(master)
        self._slave = slave
        self.port = os.ttyname(slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="idcard-simulator", daemon=True)

    def start(self) -> PtyIdCardSimulator:
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return
            if data:
                self.handle_bytes(data)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)
        for fd in (self.fd, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyIdCardSimulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def main() -> None:
    import time

    with PtyIdCardSimulator() as sim:
        sim.place()
        print(f"ID card reader simulator on {sim.port} (sample card placed; Ctrl-C stops)")
        print("The card is read once; it is placed again every 10 seconds.", flush=True)
        try:
            while True:
                time.sleep(10)
                sim.place()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
