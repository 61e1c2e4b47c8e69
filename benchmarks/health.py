"""Latency of the health endpoint at a fixed request rate while print jobs run; and of a fleet.

Open loop: requests are sent at --rate per second whatever the answers take (so a slow answer
cannot hide by slowing the client down), alternating /status and /metrics, on loopback. The kiosk
side runs in a child process, as in production: the endpoint plus a worker printing demo
patients again and again (folder printers, film at 300 dpi), as a busy kiosk would. Prints
median and p99 per path over several runs, with the machine noted.

``--fleet``: ten kiosks (ten child processes, each its own data dir and port, each printing a
demo patient every --visit-every seconds), scraped as the centre's Prometheus does (/metrics of
each every --scrape-every seconds, staggered) while the centre's operators call the remote
operations on each in the same rhythm: the open-job list every cycle, and in turn a film-loaded
record, a one-hour log bundle, a film test page (409 while a patient's job prints) and the
self-test. Prints median, p99 and max per call over all runs.

Run: .venv/bin/python benchmarks/health.py [--rate 200] [--seconds 10] [--runs 3]
     .venv/bin/python benchmarks/health.py --fleet [--kiosks 10] [--seconds 120] [--runs 3]
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
from kiosk_app.health.access import token_entry
from kiosk_app.health.endpoint import HealthEndpoint
from kiosk_app.settings import load

TOKEN = "bench"
OPERATOR = "bench-operator-token"


def serve(tmp: str, visit_every: float = 0.0, kiosk_id: str = "kiosk-01") -> None:
    """The kiosk side (a child process): endpoint plus a print loop, until stdin closes.

    ``visit_every``: seconds from one demo visit's start to the next (0: back to back).
    """
    settings = load(
        None,
        demo=True,
        env={
            "KIOSK_KIOSK__DATA_DIR": tmp,
            "KIOSK_KIOSK__ID": kiosk_id,
            "KIOSK_HEALTH__PORT": "0",
            "KIOSK_HEALTH__TOKEN": TOKEN,
            "KIOSK_HEALTH__OPERATORS": token_entry("bench", OPERATOR),
            "KIOSK_HEALTH__OPS_PER_MINUTE": "600",
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
            started = time.monotonic()
            kiosk.visit.print_code("DEMO0001")
            visits[0] += 1
            if visit_every:
                stop.wait(max(0.0, visit_every - (time.monotonic() - started)))

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


#: The operations the centre calls in turn, one per kiosk and cycle, after the job list.
FLEET_OPERATIONS: list[tuple[str, str, str, dict[str, object] | None]] = [
    ("supplies", "POST", "/ops/supplies", {"printer": "film", "media": "14INX17IN", "count": 100}),
    ("logs", "GET", "/ops/logs?hours=1", None),
    ("test-page", "POST", "/ops/test-page", {"printer": "film"}),
    ("selftest", "POST", "/ops/selftest", {}),
]


def fleet_run(
    kiosks: int, seconds: float, scrape_every: float, visit_every: float
) -> tuple[dict[str, list[float]], dict[str, int], int]:
    """One fleet run: latencies per call, answers by status, visits printed."""
    with tempfile.TemporaryDirectory() as tmp:
        children = [
            subprocess.Popen(
                [sys.executable, __file__, "--serve", f"{tmp}/k{i}", str(visit_every), f"k{i:02}"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(kiosks)
        ]
        bases = []
        for child in children:
            assert child.stdout is not None
            bases.append(f"http://127.0.0.1:{int(child.stdout.readline())}")
        local = threading.local()

        def request(name: str, method: str, url: str, body: object, token: str) -> tuple:
            http = getattr(local, "http", None)
            if http is None:
                http = local.http = requests.Session()
                http.trust_env = False
            t0 = time.perf_counter()
            answer = http.request(
                method, url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
            )
            answer.content  # the whole body, as a client would read it  # noqa: B018
            return name, time.perf_counter() - t0, answer.status_code

        latencies: dict[str, list[float]] = {}
        statuses: dict[str, int] = {}
        time.sleep(2)  # let the print loops get going
        with ThreadPoolExecutor(max_workers=32) as pool:
            futures = []
            schedule = []  # (when, kiosk): each kiosk once per cycle, staggered over it
            cycles = max(1, int(seconds / scrape_every))
            for cycle in range(cycles):
                for k in range(kiosks):
                    schedule.append((cycle * scrape_every + k * scrape_every / kiosks, k, cycle))
            start = time.perf_counter()
            for when, k, cycle in schedule:
                delay = start + when - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                base = bases[k]
                futures.append(pool.submit(request, "/metrics", "GET", base + "/metrics",
                                           None, TOKEN))  # fmt: skip
                futures.append(pool.submit(request, "/ops/jobs", "GET", base + "/ops/jobs",
                                           None, OPERATOR))  # fmt: skip
                name, method, path, body = FLEET_OPERATIONS[(cycle + k) % len(FLEET_OPERATIONS)]
                futures.append(pool.submit(request, name, method, base + path, body, OPERATOR))
            for future in futures:
                name, taken, status = future.result()
                latencies.setdefault(name, []).append(taken)
                key = f"{status}"
                statuses[key] = statuses.get(key, 0) + 1
        visits = 0
        for child in children:
            assert child.stdin is not None and child.stdout is not None
            child.stdin.close()
        for child in children:
            assert child.stdout is not None
            visits += int(child.stdout.readline() or 0)
            child.wait(60)
        return latencies, statuses, visits


def fleet_main(args: argparse.Namespace) -> None:
    every: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    visits = 0
    for _ in range(args.runs):
        latencies, run_statuses, run_visits = fleet_run(
            args.kiosks, args.seconds, args.scrape_every, args.visit_every
        )
        visits += run_visits
        for name, values in latencies.items():
            every.setdefault(name, []).extend(values)
        for key, count in run_statuses.items():
            statuses[key] = statuses.get(key, 0) + count
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}; Python {platform.python_version()}"
    )
    print(
        f"{args.kiosks} kiosks, each scraped and operated every {args.scrape_every:.0f} s for "
        f"{args.seconds:.0f} s, {args.runs} runs; {visits} demo visits printed meanwhile "
        f"(one per kiosk every {args.visit_every:.0f} s, film 14INX17IN at 300 dpi); answers "
        + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    )
    print(f"{'call':12} {'n':>5} {'median ms':>10} {'p99 ms':>9} {'max ms':>9}")
    for name, values in every.items():
        values.sort()
        p99 = values[max(0, int(len(values) * 0.99) - 1)]
        print(
            f"{name:12} {len(values):5} {statistics.median(values) * 1000:10.2f} "
            f"{p99 * 1000:9.2f} {values[-1] * 1000:9.2f}"
        )


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        visit_every = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
        kiosk_id = sys.argv[4] if len(sys.argv) > 4 else "kiosk-01"
        serve(sys.argv[2], visit_every, kiosk_id)
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fleet", action="store_true", help="ten kiosks, scrapes and operations")
    parser.add_argument("--kiosks", type=int, default=10)
    parser.add_argument("--scrape-every", type=float, default=15)
    parser.add_argument("--visit-every", type=float, default=20)
    args = parser.parse_args()
    if args.fleet:
        args.seconds = args.seconds or 120
        fleet_main(args)
        return
    args.seconds = args.seconds or 10
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
