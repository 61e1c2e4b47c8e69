"""The streaming multipart parser: every split of the bytes gives the same parts."""

from __future__ import annotations

import pytest

from kiosk_app.sources.multipart import MalformedMultipartError, boundary_of, iter_parts

BOUNDARY = b"b0undary-42"
PARTS = [b"DICM" + bytes(range(256)) * 4, b"", b"second\r\n--b0undary-4 not a delimiter"]


def body(parts: list[bytes] = PARTS, *, close: bool = True, preamble: bytes = b"") -> bytes:
    out = preamble
    for index, part in enumerate(parts):
        out += (b"\r\n" if out else b"") + b"--" + BOUNDARY + b"\r\n"
        out += b"Content-Type: application/dicom\r\n"
        out += f"Content-Location: /part/{index}\r\n\r\n".encode()
        out += part
    if close:
        out += b"\r\n--" + BOUNDARY + b"--\r\nepilogue"
    return out


def chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1000, 100_000])
def test_any_chunking_gives_the_same_parts(size: int) -> None:
    parts = list(iter_parts(chunks(body(), size), BOUNDARY))
    assert [p.body for p in parts] == PARTS
    assert parts[0].content_type == "application/dicom"
    assert parts[2].headers["content-location"] == "/part/2"


def test_preamble_is_skipped() -> None:
    parts = list(iter_parts(chunks(body(preamble=b"ignore me"), 5), BOUNDARY))
    assert [p.body for p in parts] == PARTS


def test_parts_are_yielded_before_the_stream_ends() -> None:
    data = body()
    fed = []

    def stream():  # type: ignore[no-untyped-def]
        for chunk in chunks(data, 100):
            fed.append(len(chunk))
            yield chunk

    first = next(iter_parts(stream(), BOUNDARY))
    assert first.body == PARTS[0]
    assert sum(fed) < len(data)


@pytest.mark.parametrize(
    "data",
    [
        body(close=False),  # the connection was cut: no closing delimiter
        body()[: len(body()) // 2],  # cut in the middle of a part
        b"no delimiter at all",
        b"--" + BOUNDARY + b"\r\nContent-Type: x",  # ends inside the headers
        b"--" + BOUNDARY + b"garbage\r\n\r\nx\r\n--" + BOUNDARY + b"--",
    ],
)
def test_malformed_bodies_raise_a_typed_error(data: bytes) -> None:
    with pytest.raises(MalformedMultipartError) as info:
        list(iter_parts(chunks(data, 9), BOUNDARY))
    assert info.value.message_id == "cloud.bad_multipart"


def test_boundary_parameter() -> None:
    assert boundary_of('multipart/related; type="application/dicom"; boundary=abc') == b"abc"
    assert boundary_of('multipart/related; boundary="a b:c"') == b"a b:c"
    with pytest.raises(MalformedMultipartError):
        boundary_of("application/dicom")
    with pytest.raises(MalformedMultipartError):
        boundary_of("multipart/related; type=x")
