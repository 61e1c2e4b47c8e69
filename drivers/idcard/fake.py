"""An ID card reader without hardware: hands out the cards a test or the demo queues."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from drivers.idcard.card import IdCard
from drivers.idcard.reader import IdCardReader


class FakeIdCardReader(IdCardReader):
    """``read_card`` returns the queued cards one by one, then None (no card in the field)."""

    def __init__(self, cards: Iterable[IdCard] = ()) -> None:
        super().__init__(timeout=0.1)
        self.cards: deque[IdCard] = deque(cards)

    def place(self, card: IdCard) -> None:
        self.cards.append(card)

    def read_card(self, *, fingerprint: bool = False) -> IdCard | None:
        return self.cards.popleft() if self.cards else None

    def _send(self, data: bytes) -> None:  # pragma: no cover - never used
        raise NotImplementedError

    def _receive(self, timeout: float) -> bytes:  # pragma: no cover - never used
        raise NotImplementedError
