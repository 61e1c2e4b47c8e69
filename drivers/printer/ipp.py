"""Just enough IPP (RFC 8010/8011) to ask a network printer itself how its jobs ended.

CUPS's ``ipp`` backend watches the printer's job from two threads: the main one stops polling
once the remote job-state is past ``processing-stopped`` and returns success; only the monitor
thread turns an *aborted* or *canceled* remote job into "Print job canceled at printer.". When
the main thread looks first, CUPS ends the job **completed** although the printer gave up on
it (seen on CUPS 2.4 with ippeveprinter: about half of the jobs aborted after a jam). So when a
completed CUPS job saw a printer fault, :class:`drivers.printer.cups.CupsFilmPrinter` asks the
printer behind the queue, with :func:`get_jobs`, how its own job of that name ended.

Only what that needs is here: a Get-Jobs request over HTTP (``ipp://`` -> ``http://``,
``ipps://`` -> ``https://``), and a parser for the job groups of the answer. No patient data
is sent: the request names no job, and the answer stays in memory.
"""

from __future__ import annotations

import itertools
import struct
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3

GET_JOBS = 0x000A
GET_PRINTER_ATTRIBUTES = 0x000B
#: delimiter tags
_OPERATION, _JOB, _END = 0x01, 0x02, 0x03
#: value tags
_INTEGER, _BOOLEAN, _ENUM = 0x21, 0x22, 0x23
_TEXT, _NAME, _KEYWORD, _URI, _CHARSET, _LANGUAGE = 0x41, 0x42, 0x44, 0x45, 0x47, 0x48
_TEXT_LIKE = frozenset({_TEXT, _NAME, _KEYWORD, _URI, _CHARSET, _LANGUAGE, 0x46, 0x49})
_NO_VALUE = frozenset({0x10, 0x12, 0x13})  # unsupported, unknown, no-value

#: IPP job-state values (RFC 8011 5.3.7)
JOB_CANCELED, JOB_ABORTED, JOB_COMPLETED = 7, 8, 9

_request_ids = itertools.count(1)


class IppError(Exception):
    """The printer did not answer, or not in IPP, or with an error status."""


@dataclass(frozen=True)
class RemoteJob:
    """One job as the printer itself reports it."""

    job_id: int
    name: str
    state: int
    reasons: tuple[str, ...]
    impressions: int = 0
    """job-impressions-completed: sheet sides the printer itself printed."""


def http_url(printer_uri: str) -> str:
    """``ipp://host:port/path`` -> ``http://host:port/path`` (``ipps`` -> ``https``)."""
    parts = urlsplit(printer_uri)
    schemes = {"ipp": "http", "ipps": "https", "http": "http", "https": "https"}
    if parts.scheme not in schemes or not parts.hostname:
        raise IppError(f"not an IPP printer URI: {printer_uri!r}")
    netloc = parts.netloc
    if parts.port is None:  # IPP's own port, not HTTP's
        netloc += ":631"
    return urlunsplit((schemes[parts.scheme], netloc, parts.path or "/", "", ""))


def _attribute(tag: int, name: str, values: list[bytes]) -> bytes:
    out = b""
    for i, value in enumerate(values):
        label = name.encode() if i == 0 else b""
        out += struct.pack(">BH", tag, len(label)) + label + struct.pack(">H", len(value)) + value
    return out


def encode_request(operation: int, printer_uri: str, **extra: list[tuple[int, bytes]]) -> bytes:
    """An IPP/1.1 request with the required operation attributes, then ``extra`` ones
    (name -> [(value tag, value)], with ``_`` in a name read as ``-``)."""
    body = struct.pack(">BBHI", 1, 1, operation, next(_request_ids)) + bytes([_OPERATION])
    body += _attribute(_CHARSET, "attributes-charset", [b"utf-8"])
    body += _attribute(_LANGUAGE, "attributes-natural-language", [b"en"])
    body += _attribute(_URI, "printer-uri", [printer_uri.encode()])
    for name, values in extra.items():
        tags = {tag for tag, _ in values}
        if len(tags) != 1:
            raise ValueError(f"{name}: one value tag per attribute")
        body += _attribute(tags.pop(), name.replace("_", "-"), [v for _, v in values])
    return body + bytes([_END])


def decode_response(data: bytes) -> tuple[int, list[tuple[int, dict[str, list[object]]]]]:
    """(status-code, [(group tag, {name: [values]})]) of an IPP response."""
    if len(data) < 9:
        raise IppError("the printer's answer is too short for IPP")
    status = struct.unpack(">H", data[2:4])[0]
    groups: list[tuple[int, dict[str, list[object]]]] = []
    pos, name = 8, ""
    try:
        while pos < len(data):
            tag = data[pos]
            pos += 1
            if tag == _END:
                break
            if tag < 0x10:  # a new group
                groups.append((tag, {}))
                continue
            (name_length,) = struct.unpack(">H", data[pos : pos + 2])
            pos += 2
            if name_length:
                name = data[pos : pos + name_length].decode("utf-8", "replace")
                pos += name_length
            (value_length,) = struct.unpack(">H", data[pos : pos + 2])
            pos += 2
            raw = data[pos : pos + value_length]
            pos += value_length
            if not groups or tag in _NO_VALUE:
                continue
            value: object
            if tag in (_INTEGER, _ENUM) and value_length == 4:
                value = struct.unpack(">i", raw)[0]
            elif tag == _BOOLEAN and value_length == 1:
                value = bool(raw[0])
            elif tag in _TEXT_LIKE:
                value = raw.decode("utf-8", "replace")
            else:
                value = raw
            groups[-1][1].setdefault(name, []).append(value)
    except struct.error as exc:
        raise IppError("the printer's IPP answer is cut short") from exc
    return status, groups


def _post(printer_uri: str, body: bytes, timeout: float) -> bytes:
    with requests.Session() as session, warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        session.trust_env = False  # never through a proxy: the printer is on the local network
        try:
            response = session.post(
                http_url(printer_uri),
                data=body,
                headers={"Content-Type": "application/ipp"},
                timeout=timeout,
                verify=False,  # printers' certificates are self-signed; nothing secret is sent
            )
        except requests.RequestException as exc:
            raise IppError(f"the printer at {printer_uri} does not answer: {exc}") from exc
    if response.status_code != 200 or response.headers.get("Content-Type") != "application/ipp":
        raise IppError(f"the printer at {printer_uri} answered HTTP {response.status_code}")
    return response.content


def get_jobs(
    printer_uri: str, *, timeout: float = 5.0, which: str = "completed"
) -> list[RemoteJob]:
    """The printer's ended jobs (``which-jobs=completed``: completed, canceled and aborted),
    or with ``which="not-completed"`` those it has not ended yet."""
    wanted = [
        b"job-id",
        b"job-name",
        b"job-state",
        b"job-state-reasons",
        b"job-impressions-completed",
    ]
    body = encode_request(
        GET_JOBS,
        printer_uri,
        which_jobs=[(_KEYWORD, which.encode())],
        requested_attributes=[(_KEYWORD, w) for w in wanted],
    )
    status, groups = decode_response(_post(printer_uri, body, timeout))
    if status >= 0x0100:
        raise IppError(f"the printer at {printer_uri} refused Get-Jobs (status 0x{status:04x})")
    jobs = []
    for tag, attrs in groups:
        if tag != _JOB:
            continue
        job_id, state = attrs.get("job-id", [0])[0], attrs.get("job-state", [0])[0]
        if not isinstance(job_id, int) or not isinstance(state, int):
            continue
        name = attrs.get("job-name", [""])[0]
        reasons = tuple(str(r) for r in attrs.get("job-state-reasons", []))
        impressions = attrs.get("job-impressions-completed", [0])[0]
        impressions = impressions if isinstance(impressions, int) else 0
        jobs.append(RemoteJob(job_id, str(name), state, reasons, impressions))
    return jobs
