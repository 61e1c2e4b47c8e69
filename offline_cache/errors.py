"""Errors of the offline cache, under one base."""

from __future__ import annotations


class OfflineCacheError(Exception):
    """Base of every error this package raises."""


class KeyFileError(OfflineCacheError):
    """The cache key file is missing and cannot be made, or others may read it."""


class CacheFullError(OfflineCacheError):
    """A blob larger than the whole cache cap cannot be stored."""
