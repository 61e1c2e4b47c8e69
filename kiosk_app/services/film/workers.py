"""The film engine's two small thread pools.

Lookup tables, OpenCV's resampling and zlib release the GIL, so two cores render nearly twice
as fast. The compressed-image decoders (pylibjpeg, GDCM) do not: compressed frames decode in
processes instead (:func:`kiosk_app.services.film.decoding.submit`). One pool takes whole
cells of a sheet; the other takes parts (strips) of one large image, which is what a 1x1
radiograph needs. Parts never wait on other work, so a cell's task may use the parts pool
without ever deadlocking.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WORKERS = max(1, min(4, os.cpu_count() or 1))
"""Threads per pool: the machine's cores, at most four."""

_POOLS: dict[str, ThreadPoolExecutor] = {}
_LOCK = threading.Lock()


def _pool(name: str) -> ThreadPoolExecutor:
    with _LOCK:
        if name not in _POOLS:
            _POOLS[name] = ThreadPoolExecutor(
                max_workers=WORKERS, thread_name_prefix=f"film-{name}"
            )
        return _POOLS[name]


def map_cells(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``function`` over the cells of a sheet, in parallel; the first error is re-raised."""
    items = list(items)
    if len(items) < 2 or WORKERS == 1:
        return [function(item) for item in items]
    return list(_pool("cells").map(function, items))


def map_parts(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``function`` over the parts of one image, in parallel; the first error is re-raised."""
    items = list(items)
    if len(items) < 2 or WORKERS == 1:
        return [function(item) for item in items]
    return list(_pool("parts").map(function, items))
