"""A film's sheets as they are composed, the first first.

A 3-sheet film of compressed CT slices takes longer to decode and compose than the printer takes
to accept its first sheet, so printing starts on sheet 1 while sheets 2 and 3 are still being
made (the printer prints a sheet while the kiosk composes the next).

What this gives up, and what it keeps: the first sheet is handed over only once **every image
of the film is in hand** (fetched, with pixel data, in a transfer syntax a decoder of the chain
reads), so a cloud that fails mid-film, a missing instance or an unreadable syntax still prints
nothing and wastes no film, as before. What can still fail after sheet 1 printed is a damaged
bitstream of a later sheet; the job then waits for a nurse with the sheets printed so far
confirmed, as after a jam (:class:`~kiosk_app.services.printing.PrintingService`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence

from drivers.base import FilmSheet

log = logging.getLogger(__name__)

#: A producer: composes the film's sheets in order, handing each to ``emit``; it should stop
#: early when ``cancelled()`` says so.
Producer = Callable[[Callable[[FilmSheet], None], Callable[[], bool]], None]


class FilmCancelledError(RuntimeError):
    """The film was dropped (the patient left) before this sheet was composed."""


class FilmStream:
    """The sheets of one film, composed in the background by a producer thread.

    ``count`` is known before any pixel is decoded (the film plan's sheet count), so a job
    can be recorded with one unit per sheet at once. :meth:`sheet` waits for a sheet and
    re-raises the producer's error for a sheet it could not make.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._sheets: list[FilmSheet] = []
        self._error: BaseException | None = None
        self._done = False
        self._cancelled = False
        self._cond = threading.Condition()

    @classmethod
    def of(cls, sheets: Sequence[FilmSheet]) -> FilmStream:
        """A film already composed (a test's sheets, a film made in one piece)."""
        stream = cls(len(sheets))
        stream._sheets = list(sheets)
        stream._done = True
        return stream

    @classmethod
    def start(cls, count: int, producer: Producer, name: str = "film-compose") -> FilmStream:
        """Run ``producer`` in a thread of its own and return the stream it fills."""
        stream = cls(count)
        threading.Thread(target=stream._run, args=(producer,), name=name, daemon=True).start()
        return stream

    def _run(self, producer: Producer) -> None:
        try:
            producer(self._emit, lambda: self._cancelled)
        except BaseException as exc:  # handed to whoever waits for the sheet; not lost
            with self._cond:
                self._error = exc
        finally:
            with self._cond:
                self._done = True
                if self._error is None and len(self._sheets) != self.count:
                    if self._cancelled:
                        self._error = FilmCancelledError("the film was dropped")
                    else:
                        self._error = RuntimeError(
                            f"the film plan has {self.count} sheets; {len(self._sheets)} were made"
                        )
                self._cond.notify_all()

    def _emit(self, sheet: FilmSheet) -> None:
        with self._cond:
            if len(self._sheets) >= self.count:
                raise RuntimeError(f"the film plan has {self.count} sheets; a sheet more came")
            self._sheets.append(sheet)
            self._cond.notify_all()

    def sheet(self, index: int, timeout: float | None = None) -> FilmSheet:
        """Sheet ``index`` (0-based), waiting while it is composed.

        Raises:
            IndexError: past the film's last sheet.
            TimeoutError: not composed within ``timeout`` seconds.
            Exception: the producer's error, for a sheet it could not make.
        """
        if not 0 <= index < self.count:
            raise IndexError(f"sheet {index + 1} of a {self.count}-sheet film")
        with self._cond:
            ready = self._cond.wait_for(
                lambda: len(self._sheets) > index or self._done, timeout=timeout
            )
            if not ready:
                raise TimeoutError(f"sheet {index + 1} not composed within {timeout} s")
            if len(self._sheets) > index:
                return self._sheets[index]
            assert self._error is not None
            raise self._error

    def all(self) -> list[FilmSheet]:
        """Every sheet, once all are composed (the producer's error if one could not be)."""
        return [self.sheet(i) for i in range(self.count)]

    def __iter__(self) -> Iterator[FilmSheet]:
        return (self.sheet(i) for i in range(self.count))

    def cancel(self) -> None:
        """Ask the producer to stop; sheets not composed yet raise FilmCancelledError."""
        with self._cond:
            self._cancelled = True

    @property
    def composed(self) -> int:
        """Sheets composed so far."""
        with self._cond:
            return len(self._sheets)
