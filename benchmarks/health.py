"""Latency of the health endpoint at a fixed request rate while print jobs run.

Open loop: requests are sent at --rate per second whatever the answers take (so a slow answer
cannot hide by slowing the client down), alternating /status and /metrics, on loopback. The kiosk
side runs in a child process, as in production: the endpoint plus a worker printing demo
patients again and again (folder printers, film at 300 dpi), as a busy kiosk would. Prints
median and p99 per path over several runs, with the machine noted.

Run: .venv/bin/python benchmarks/health.py [--rate 200] [--seconds 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from kiosk_app.app import build
from kiosk_app.health.endpoint import HealthEndpoint
from kiosk_app.settings import load

TOKEN = "bench"


def serve(tmp: str) -> None:
    """The kiosk side (a child process): endpoint plus a print loop, until stdin closes."""
    settings = load(
        None,
        demo=True,
        env={
            "KIOSK_KIOSK__DATA_DIR": tmp,
            "KIOSK_HEALTH__PORT": "0",
            "KIOSK_HEALTH__TOKEN": TOKEN,
            "KIOSK_FILM__DPI": "300",
            "KIOSK_HEALTH__POLL_INTERVAL": "1",
            "KIOSK_POLICY__PRINT_ONCE": "false",
        },
    )
    kiosk = build(settings)
    endpoint = HealthEndpoint.for_kiosk(kiosk)
    endpoint.start()
    assert endpoint.server is not None
    stop = threading.Event()
    visits = [0]

    def printing() -> None:
        while not stop.is_set():
            kiosk.visit.print_code("DEMO0001")
            visits[0] += 1

    printer = threading.Thread(target=printing, daemon=True)
    printer.start()
    print(endpoint.server.port, flush=True)
    sys.stdin.read()  # the parent closes stdin when it is done
    stop.set()
    printer.join()
    print(visits[0], flush=True)
    endpoint.stop()
    kiosk.close()


def one_run(rate: float, seconds: float) -> tuple[dict[str, list[float]], int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", tmp],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdin is not None
        base = f"http://127.0.0.1:{int(child.stdout.readline())}"
        local = threading.local()

        def request(path: str) -> tuple[str, float, int]:
            http = getattr(local, "http", None)
            if http is None:
                http = local.http = requests.Session()
                http.trust_env = False
                http.headers["Authorization"] = f"Bearer {TOKEN}"
            t0 = time.perf_counter()
            status = http.get(base + path, timeout=10).status_code
            return path, time.perf_counter() - t0, status

        latencies: dict[str, list[float]] = {"/status": [], "/metrics": []}
        errors = 0
        time.sleep(1)  # let the print loop get going
        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = []
            start = time.perf_counter()
            for i in range(int(rate * seconds)):
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(request, "/status" if i % 2 else "/metrics"))
            for future in futures:
                path, taken, status = future.result()
                errors += status != 200
                latencies[path].append(taken)
        child.stdin.close()
        visits = int(child.stdout.readline() or 0)
        child.wait(60)
        return latencies, errors, visits


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    medians: dict[str, list[float]] = {"/status": [], "/metrics": []}
    p99s: dict[str, list[float]] = {"/status": [], "/metrics": []}
    errors = visits = 0
    for _ in range(args.runs):
        latencies, run_errors, run_visits = one_run(args.rate, args.seconds)
        errors += run_errors
        visits += run_visits
        for path, values in latencies.items():
            values.sort()
            medians[path].append(statistics.median(values))
            p99s[path].append(values[int(len(values) * 0.99) - 1])
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}; Python {platform.python_version()}"
    )
    print(
        f"{args.rate:.0f} requests/s for {args.seconds:.0f} s, {args.runs} runs, while "
        f"{visits} demo visits printed (film 14INX17IN at 300 dpi); {errors} non-200 answers"
    )
    print(f"{'path':10} {'median ms':>10} {'p99 ms (median of runs)':>24} {'p99 max':>8}")
    for path in medians:
        print(
            f"{path:10} {statistics.median(medians[path]) * 1000:10.2f} "
            f"{statistics.median(p99s[path]) * 1000:24.2f} {max(p99s[path]) * 1000:8.2f}"
        )


if __name__ == "__main__":
    main()
