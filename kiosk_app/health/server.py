"""The health endpoint: ``/healthz``, ``/status`` (JSON), ``/metrics`` (Prometheus), ``/ops/``.

``/status`` and ``/metrics`` need the ``read`` role (``Authorization: Bearer <health.token>``)
or ``operate``; ``/healthz`` is open (it says only that the process answers). Requests are
served from the monitor's latest snapshot on the server's own threads, so neither the screen
nor a printer ever waits on a scrape. TLS is used when a certificate and key are configured.

The remote operations need the ``operate`` role (see :mod:`kiosk_app.health.access`); each is
one call of :class:`~kiosk_app.services.operations.RemoteOperations`, and each call, accepted or
refused, is an audit row naming the caller, the source address and the outcome:

=====  ===========================  ===================================================
GET    /ops/jobs                    open jobs (hashed patient references only)
POST   /ops/jobs/<id>/resume        the printer is cleared: go on with the job
POST   /ops/jobs/<id>/cancel        ``{"reason": "..."}``
POST   /ops/supplies                ``{"printer": "film", "media": "14INX17IN", "count": 100}``
POST   /ops/test-page               ``{"printer": "report" | "film"}``
POST   /ops/restart                 restart the program once nobody is at the kiosk (202)
GET    /ops/logs?hours=N            the last N hours of log, INFO and above, as a tar.gz
POST   /ops/selftest                the installer's self-test, as ``kiosk selftest --json``
=====  ===========================  ===================================================

Answers are JSON (``{"error": "..."}`` when refused): 401 without a credential, 403 for the
read token, 404 for no such job or operation, 409 while a patient or a nurse is at the kiosk
and the operation would disturb them, 429 past ``[health] ops_per_minute`` per source address.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kiosk_app.health.access import Caller, Credentials, RateLimiter, Role, caller
from kiosk_app.health.metrics import KioskMetrics
from kiosk_app.health.monitor import HealthMonitor
from kiosk_app.services.operations import OperationRefusedError, RemoteOperations
from kiosk_app.store.repositories import AuditRepository

log = logging.getLogger(__name__)

STATUS_CONTENT_TYPE = "application/json; charset=utf-8"
METRICS_MAX_AGE = 1.0
MAX_BODY = 16 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: HealthServer
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle on, a keep-alive client's delayed ACK
    # holds the body back 40 ms per answer.
    disable_nagle_algorithm = True
    server_version = "kiosk-health"
    sys_version = ""

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/ops/"):
            self._operate("POST", path)
            return
        self.close_connection = True  # its body is not read
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"read-only\n",
            "text/plain",
            head=False,
            extra={"Allow": "GET, HEAD"},
        )

    def _refuse_write(self) -> None:
        self.close_connection = True  # its body is not read
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"read-only\n",
            "text/plain",
            head=False,
            extra={"Allow": "GET, HEAD, POST" if self.path.startswith("/ops/") else "GET, HEAD"},
        )

    do_PUT = do_DELETE = do_PATCH = _refuse_write  # noqa: N815

    def _answer(self, head: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(HTTPStatus.OK, b"ok\n", "text/plain; charset=utf-8", head)
            return
        if path.startswith("/ops/") and not head:
            self._operate("GET", path)
            return
        if path not in ("/status", "/metrics"):
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head)
            return
        who = self._caller()
        if who.role < Role.READ:
            if not self.server.limiter.allow(who.source):
                self._send(HTTPStatus.TOO_MANY_REQUESTS, b"too many requests\n", "text/plain", head)
                return
            self._send(
                HTTPStatus.UNAUTHORIZED,
                b"bearer token required\n",
                "text/plain",
                head,
                extra={"WWW-Authenticate": 'Bearer realm="kiosk"'},
            )
            return
        if path == "/status":
            body = json.dumps(self.server.monitor.current().to_json(), ensure_ascii=False)
            self._send(HTTPStatus.OK, body.encode("utf-8"), STATUS_CONTENT_TYPE, head)
        else:
            self._send(HTTPStatus.OK, self.server.exposition(), CONTENT_TYPE_LATEST, head)

    def _caller(self) -> Caller:
        certificate = None
        if isinstance(self.connection, ssl.SSLSocket):
            certificate = self.connection.getpeercert() or None
        found = self.server.credentials.check(self.headers.get("Authorization", ""), certificate)
        return caller(found, self.client_address[0])

    # ------------------------------------------------------------------ operations
    def _operate(self, method: str, path: str) -> None:
        """One remote operation: role, rate, the operation itself, its audit row."""
        who = self._caller()
        route = _route(method, path)
        action = route[0] if route else "remote.unknown"
        # The body is read first, whatever the answer: left unread, it would be taken for the
        # next request on this keep-alive connection.
        try:
            raw = self._read_body() if method == "POST" else b""
        except ValueError as exc:
            self.close_connection = True
            self._audit(who, action, path, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, str(exc))
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": str(exc)})
            return
        limiter = self.server.limiter
        if not limiter.allow(who.source):
            # A flood is audited once, at its first refused call, not per request.
            if limiter.refused_in_a_row(who.source) == 1:
                self._audit(who, action, path, HTTPStatus.TOO_MANY_REQUESTS, "rate limited")
            self._json(HTTPStatus.TOO_MANY_REQUESTS, {"error": "too many requests"})
            return
        if who.role < Role.OPERATE:
            status = HTTPStatus.FORBIDDEN if who.role is Role.READ else HTTPStatus.UNAUTHORIZED
            reason = "the read token may not operate" if who.role is Role.READ else "no credential"
            self._audit(who, action, path, status, reason)
            extra = {} if who.role is Role.READ else {"WWW-Authenticate": 'Bearer realm="kiosk"'}
            self._json(status, {"error": reason}, extra)
            return
        operations = self.server.operations
        if route is None or operations is None:
            reason = "no such operation" if route is None else "remote operations are off"
            self._audit(who, action, path, HTTPStatus.NOT_FOUND, reason)
            self._json(HTTPStatus.NOT_FOUND, {"error": reason})
            return
        _, run, subject = route
        try:
            body = _json_object(raw)
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            answer = run(operations, who, body, query)
        except OperationRefusedError as exc:
            self._audit(who, action, subject, HTTPStatus(exc.status), str(exc))
            self._json(HTTPStatus(exc.status), {"error": str(exc)})
            return
        except (ValueError, TypeError, KeyError) as exc:
            reason = f"bad request: {exc}"
            self._audit(who, action, subject, HTTPStatus.BAD_REQUEST, reason)
            self._json(HTTPStatus.BAD_REQUEST, {"error": reason})
            return
        except Exception as exc:  # the printer refused, the disk is full: say so, keep serving
            log.exception("remote %s failed", action)
            reason = f"failed: {type(exc).__name__}: {exc}"
            self._audit(who, action, subject, HTTPStatus.INTERNAL_SERVER_ERROR, reason)
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": reason})
            return
        if isinstance(answer, bytes):
            self._audit(who, action, subject, HTTPStatus.OK, f"{len(answer)} bytes")
            name = f"{operations.kiosk_id}-logs.tar.gz"
            self._send(
                HTTPStatus.OK,
                answer,
                "application/gzip",
                head=False,
                extra={"Content-Disposition": f'attachment; filename="{name}"'},
            )
            return
        status = HTTPStatus.ACCEPTED if action == "remote.restart" else HTTPStatus.OK
        self._audit(who, action, subject, status, "accepted")
        self._json(status, answer)

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ValueError("a bad Content-Length") from None
        if length < 0 or length > MAX_BODY:
            raise ValueError(f"a body of at most {MAX_BODY} bytes")
        return self.rfile.read(length) if length else b""

    def _audit(
        self, who: Caller, action: str, subject: str, status: HTTPStatus, reason: str
    ) -> None:
        outcome = "accepted" if status < 400 else "refused" if status < 500 else "failed"
        detail = {"source": who.source, "outcome": outcome, "status": int(status)}
        if reason and reason != "accepted":
            detail["reason"] = reason[:300]
        try:
            with self.server.store_session() as session:
                AuditRepository(session).record(
                    who.identity, action, subject=subject[:200], detail=detail
                )
        except Exception:  # the answer still goes; the failure is in the log
            log.exception("audit of %s by %s not written", action, who.identity)

    def _json(self, status: HTTPStatus, body: object, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self._send(status, data, STATUS_CONTENT_TYPE, head=False, extra=extra)

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        ctype: str,
        head: bool,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            # said, so a keep-alive client does not send its next request into a closing socket
            self.send_header("Connection", "close")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def _json_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the body is a JSON object")
    return data


_Run = Callable[["RemoteOperations", Caller, dict[str, Any], dict[str, str]], object]
_JOB_PATH = re.compile(r"^/ops/jobs/(\d{1,12})/(resume|cancel)$")


def _route(method: str, path: str) -> tuple[str, _Run, str] | None:
    """The audit action, the call and the audit subject of a request; None: no such thing."""
    if method == "GET" and path == "/ops/jobs":
        return (
            "remote.jobs.list",
            lambda ops, _w, _b, _q: {"jobs": [job.to_json() for job in ops.open_jobs()]},
            "",
        )
    if method == "GET" and path == "/ops/logs":
        return (
            "remote.logs",
            lambda ops, _w, _b, q: ops.log_bundle(int(q["hours"]) if "hours" in q else None),
            "",
        )
    if method != "POST":
        return None
    if match := _JOB_PATH.match(path):
        job_id, verb = int(match.group(1)), match.group(2)
        if verb == "resume":
            return (
                "remote.job.resume",
                lambda ops, w, _b, _q: ops.resume(job_id, w.staff_id),
                f"job {job_id}",
            )
        return (
            "remote.job.cancel",
            lambda ops, w, b, _q: ops.cancel(job_id, w.staff_id, str(b.get("reason", ""))),
            f"job {job_id}",
        )
    if path == "/ops/supplies":
        return (
            "remote.supply.loaded",
            lambda ops, w, b, _q: ops.record_loaded(
                str(b["printer"]), str(b["media"]), int(b["count"]), w.staff_id
            ),
            "",
        )
    if path == "/ops/test-page":
        return (
            "remote.test_page",
            lambda ops, w, b, _q: ops.test_page(str(b.get("printer", "report")), w.staff_id),
            "",
        )
    if path == "/ops/restart":
        return "remote.restart", lambda ops, w, _b, _q: ops.request_restart(w.staff_id), ""
    if path == "/ops/selftest":
        return "remote.selftest", lambda ops, _w, _b, _q: ops.selftest(), ""
    return None


class HealthServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        monitor: HealthMonitor,
        metrics: KioskMetrics,
        token: str,
        tls: tuple[Path, Path] | None = None,
        *,
        operations: RemoteOperations | None = None,
        operators: tuple[str, ...] = (),
        client_ca: Path | None = None,
        ops_per_minute: int = 30,
    ) -> None:
        super().__init__(address, _Handler)
        self.monitor = monitor
        self.metrics = metrics
        self.token = token
        self.credentials = Credentials(token, operators)
        self.operations = operations
        self.limiter = RateLimiter(ops_per_minute)
        if client_ca is not None and tls is None:
            raise ValueError("[health] client_ca needs tls_cert and tls_key (HTTPS)")
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            if client_ca is not None:
                # Asked for, not required: a scraper keeps its token; an operator's
                # certificate must chain to the centre's CA or the handshake fails.
                context.verify_mode = ssl.CERT_OPTIONAL
                context.load_verify_locations(cafile=str(client_ca))
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self._thread: threading.Thread | None = None
        self._cache_lock = threading.Lock()
        self._cache: tuple[float, bytes] | None = None

    def store_session(self) -> Any:
        """A session on the kiosk's database (for the audit rows of remote calls)."""
        if self.operations is None:
            raise RuntimeError("no database: remote operations are off")
        return self.operations.store.session()

    def exposition(self) -> bytes:
        """The metrics text, rebuilt at most every ``METRICS_MAX_AGE`` seconds.

        The device part changes only once per poll interval, and the counts come from the
        database: a busy scraper (or several) must not turn into a query per request.
        """
        with self._cache_lock:
            now = time.monotonic()
            if self._cache is None or now - self._cache[0] > METRICS_MAX_AGE:
                self._cache = (now, generate_latest(self.metrics.registry))
            return self._cache[1]

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        """Serve on a background thread."""
        # A short poll: stop(), called on the GUI thread when the kiosk closes, waits for it.
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="health-http",
            daemon=True,
        )
        self._thread.start()
        if not self.token and not self.credentials.operators:
            log.warning("health.token is empty: /status and /metrics refuse every request")
        log.info("health endpoint on %s:%d", *self.server_address[:2])

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)
