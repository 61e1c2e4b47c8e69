"""A requests transport adapter answering from a script, so the client runs without a network."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

import requests
from requests.adapters import BaseAdapter

Answer = requests.Response | Exception
Script = Callable[[requests.PreparedRequest], Answer]


def response(
    status: int = 200,
    body: bytes = b"",
    content_type: str = "application/dicom+json",
) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r.headers["Content-Type"] = content_type
    r.raw = BytesIO(body)
    return r


class ScriptedAdapter(BaseAdapter):
    def __init__(self, script: Script) -> None:
        super().__init__()
        self.script = script
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.requests.append(request)
        answer = self.script(request)
        if isinstance(answer, Exception):
            raise answer
        answer.request = request
        answer.url = request.url or ""
        return answer

    def close(self) -> None:
        pass


def multipart(parts: list[bytes], boundary: str = "xyz") -> tuple[bytes, str]:
    out = b""
    for part in parts:
        out += b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n"
        out += part + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, f'multipart/related; type="application/dicom"; boundary={boundary}'
