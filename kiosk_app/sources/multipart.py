"""Streaming parser for the multipart/related bodies WADO-RS answers with (RFC 2046, PS3.18 8.7).

A study retrieved in one request can be hundreds of megabytes; the parser holds at most one
part and one network chunk, and yields each part as soon as its closing delimiter arrives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kiosk_app.core.errors import BadStudyDataError


class MalformedMultipartError(BadStudyDataError):
    """The body is not well-formed multipart: no boundary, a cut-off part, no closing delimiter."""

    message_id = "cloud.bad_multipart"


@dataclass(frozen=True)
class Part:
    """One body part: its headers (lower-case names) and its bytes."""

    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


_BOUNDARY = re.compile(r'boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)


def boundary_of(content_type: str) -> bytes:
    """The boundary parameter of a ``multipart/...`` content type."""
    if not content_type.lower().startswith("multipart/"):
        raise MalformedMultipartError(detail=f"expected multipart, got {content_type or 'nothing'}")
    match = _BOUNDARY.search(content_type)
    if not match:
        raise MalformedMultipartError(detail="multipart answer without a boundary")
    return (match.group(1) or match.group(2)).encode("latin-1")


def _headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("latin-1").split("\r\n"):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise MalformedMultipartError(detail=f"bad part header line {line[:60]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers


def iter_parts(chunks: Iterable[bytes], boundary: bytes) -> Iterator[Part]:
    """Parts of a multipart body arriving in ``chunks``, one at a time.

    Raises MalformedMultipartError when the stream ends inside a part or before the closing
    delimiter, or when a delimiter line is not followed by headers.
    """
    dash = b"--" + boundary
    delimiter = b"\r\n" + dash
    buffer = bytearray()
    stream = iter(chunks)
    exhausted = False

    def more() -> bool:
        nonlocal exhausted
        if exhausted:
            return False
        for chunk in stream:
            if chunk:
                buffer.extend(chunk)
                return True
        exhausted = True
        return False

    # Preamble: up to the first delimiter (which may open the body without a CRLF before it).
    searched = 0
    while True:
        if buffer.startswith(dash):
            start = 0
            break
        found = buffer.find(delimiter, max(0, searched - len(delimiter)))
        if found >= 0:
            start = found + 2
            break
        searched = len(buffer)
        if not more():
            raise MalformedMultipartError(detail="no multipart delimiter in the answer")
    del buffer[: start + len(dash)]

    while True:
        while len(buffer) < 2:
            if not more():
                raise MalformedMultipartError(detail="answer ends after a delimiter")
        if buffer.startswith(b"--"):
            return  # the close delimiter; the epilogue is ignored
        # Transport padding (spaces) may follow a delimiter before its CRLF.
        while True:
            eol = buffer.find(b"\r\n")
            if eol >= 0:
                break
            if not more():
                raise MalformedMultipartError(detail="answer ends inside a delimiter line")
        if buffer[:eol].strip(b" \t"):
            raise MalformedMultipartError(detail="garbage after a multipart delimiter")
        del buffer[: eol + 2]
        searched = 0
        while True:
            end = buffer.find(b"\r\n\r\n", max(0, searched - 3))
            if end >= 0 or buffer.startswith(b"\r\n"):
                break
            searched = len(buffer)
            if not more():
                raise MalformedMultipartError(detail="answer ends inside part headers")
        if buffer.startswith(b"\r\n"):
            headers: dict[str, str] = {}
            del buffer[:2]
        else:
            headers = _headers(bytes(buffer[:end]))
            del buffer[: end + 4]
        searched = 0
        while True:
            found = buffer.find(delimiter, max(0, searched - len(delimiter)))
            if found >= 0:
                break
            searched = len(buffer)
            if not more():
                raise MalformedMultipartError(detail="answer cut off inside a part")
        body = bytes(buffer[:found])
        del buffer[: found + len(delimiter)]
        yield Part(headers, body)
