"""The read-only health endpoint: ``/healthz``, ``/status`` (JSON) and ``/metrics`` (Prometheus).

``/status`` and ``/metrics`` need ``Authorization: Bearer <health.token>``; ``/healthz`` is open
(it says only that the process answers). Requests are served from the monitor's latest snapshot
on the server's own threads, so neither the screen nor a printer ever waits on a scrape. Only GET
and HEAD exist. TLS is used when a certificate and key are configured.
"""

from __future__ import annotations

import hmac
import json
import logging
import ssl
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from kiosk_app.health.metrics import KioskMetrics
from kiosk_app.health.monitor import HealthMonitor

log = logging.getLogger(__name__)

STATUS_CONTENT_TYPE = "application/json; charset=utf-8"
METRICS_MAX_AGE = 1.0


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

    def _refuse_write(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            b"read-only\n",
            "text/plain",
            head=False,
            extra={"Allow": "GET, HEAD"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse_write  # noqa: N815

    def _answer(self, head: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(HTTPStatus.OK, b"ok\n", "text/plain; charset=utf-8", head)
            return
        if path not in ("/status", "/metrics"):
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head)
            return
        if not self._authorised():
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

    def _authorised(self) -> bool:
        token = self.server.token
        if not token:
            return False  # no token configured: the protected paths stay closed
        header = self.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)

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
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


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
    ) -> None:
        super().__init__(address, _Handler)
        self.monitor = monitor
        self.metrics = metrics
        self.token = token
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self._thread: threading.Thread | None = None
        self._cache_lock = threading.Lock()
        self._cache: tuple[float, bytes] | None = None

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
        if not self.token:
            log.warning("health.token is empty: /status and /metrics refuse every request")
        log.info("health endpoint on %s:%d", *self.server_address[:2])

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)
