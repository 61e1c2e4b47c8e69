"""What the monitoring centre sees: a polled health snapshot, Prometheus metrics, an endpoint."""
