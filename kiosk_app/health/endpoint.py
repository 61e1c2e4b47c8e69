"""Wiring of the health monitor, metrics and HTTP server for one kiosk."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk_app.app import Kiosk
from kiosk_app.health.metrics import KioskMetrics
from kiosk_app.health.monitor import HealthMonitor
from kiosk_app.health.server import HealthServer


@dataclass
class HealthEndpoint:
    monitor: HealthMonitor
    metrics: KioskMetrics
    server: HealthServer | None
    kiosk: Kiosk

    @classmethod
    def for_kiosk(cls, kiosk: Kiosk, *, serve: bool = True) -> HealthEndpoint:
        """The kiosk's monitor with metrics (and, with ``serve``, an HTTP server bound but not
        started yet)."""
        endpoint = cls(kiosk.monitor, KioskMetrics(kiosk.monitor, kiosk.store), None, kiosk)
        if serve:
            endpoint.serve()
        return endpoint

    def serve(self) -> None:
        """Bind the HTTP server (started by :meth:`start`). Raises OSError if the port is taken."""
        settings = self.kiosk.settings.health
        tls = (
            (settings.tls_cert, settings.tls_key)
            if settings.tls_cert and settings.tls_key
            else None
        )
        self.server = HealthServer(
            (settings.bind, settings.port),
            self.monitor,
            self.metrics,
            settings.token,
            tls,
            operations=self.kiosk.operations,
            operators=settings.operators,
            client_ca=settings.client_ca,
            ops_per_minute=settings.ops_per_minute,
        )

    def start(self) -> None:
        self.monitor.start()
        if self.server is not None:
            self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.monitor.stop()
