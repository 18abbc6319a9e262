"""Load on the web app over loopback: 20 concurrent runs of the demo scenario through the JSON API.

Starts ``tariffsim serve`` in a subprocess (fresh data directory, ``--jobs`` at once, a queue deep
enough for every run), then 20 clients at once each ``POST /api/runs`` the demo scenario
(``us-china-2018-2019``, 14 evaluation dates on demo-2017) and poll ``GET /api/runs/{id}`` until it
is done. Every run must complete; prints the latency of the submissions, of each run end to end
(submitted to done, queueing included) and of status polls while the app is busy, as percentiles,
and the throughput. The load average is printed before and after: the machine may be shared.

Run::

    .venv/bin/python benchmarks/app_load.py            # 20 runs, 2 at once
    .venv/bin/python benchmarks/app_load.py --runs 40 --jobs 4

Prints figures; asserts only that every run completed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

DEMO = "us-china-2018-2019"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(method: str, url: str, token: str, body: dict[str, object] | None = None) -> tuple[dict[str, object], float]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.loads(response.read())
    return answer, time.perf_counter() - start


def percentiles(name: str, values: list[float]) -> None:
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    print(f"{name:<34} n={len(values):>5}  p50 {p50 * 1e3:9.1f} ms  p90 {p90 * 1e3:9.1f} ms  p99 {p99 * 1e3:9.1f} ms  "
          f"max {max(values) * 1e3:9.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2, help="runs solved at once by the app")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} cores; python {sys.version.split()[0]}")
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="tariffsim-app-load-"))
    process = subprocess.Popen(
        [sys.executable, "-m", "tariffsim", "serve", "--no-browser", "--port", str(port), "--data-dir",
         str(data_dir), "--jobs", str(args.jobs), "--max-queued", str(args.runs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        line = ""
        while "tariffsim app: " not in line:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise SystemExit(f"serve failed: {process.stderr.read() if process.stderr else ''}")
        token = line.split("?token=")[1].strip()
        base = f"http://127.0.0.1:{port}"
        call("GET", f"{base}/api/worlds", token)  # the app answers
        submitted: list[float] = []
        ends: list[float] = []
        polls: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        gate = threading.Barrier(args.runs)

        def client() -> None:
            gate.wait()
            start = time.perf_counter()
            job, took = call("POST", f"{base}/api/runs", token, {"bundled": DEMO})
            with lock:
                submitted.append(took)
            while True:
                time.sleep(0.25)
                status, took = call("GET", f"{base}/api/runs/{job['id']}?tables=countries", token)
                with lock:
                    polls.append(took)
                if status["status"] not in ("queued", "running"):
                    break
            with lock:
                ends.append(time.perf_counter() - start)
                if status["status"] != "done" or not status.get("tables", {}).get("countries"):
                    failures.append(f"{job['id']}: {status['status']} {status.get('error')}")

        begin = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.runs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - begin
        stored = call("GET", f"{base}/api/runs", token)[0]["stored"]
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"{args.runs} concurrent runs of {DEMO}, {args.jobs} solved at once: {len(ends)} finished, "
          f"{len(failures)} failed, {len(stored)} in the runs store; wall {wall:.1f} s, "
          f"{args.runs / wall * 60:.1f} runs per minute")
    percentiles("submit (POST /api/runs)", submitted)
    percentiles("run, submitted to done", ends)
    percentiles("status poll (GET /api/runs/{id})", polls)
    print(f"load average after: {os.getloadavg()}")
    if failures or len(ends) != args.runs or len(stored) != args.runs:
        raise SystemExit("not every run completed: " + "; ".join(failures))


if __name__ == "__main__":
    main()
