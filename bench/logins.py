"""Logins under a burst and under guessing, against a live `kpt serve` on 127.0.0.1.

A. Memory: `--burst` clients (50) each fetch the login form (its CSRF token and cookie), wait at a
   barrier, then post the right password at once. The server process's resident memory (VmRSS
   from /proc/<pid>/status) is sampled every millisecond or so from before the burst to its end,
   and its high-water mark (VmHWM) read before and after. argon2's default costs 64 MiB per hash;
   the process hashes at most kpt_workflow.services.accounts.HASHING_SLOTS (2) at a time, so the burst
   should add about 128 MiB, not 50 × 64 MiB.
B. Throttling: `--guesses` wrong passwords for one user name from one address, one after
   another: the statuses seen (401 until the per-user limit, then 429) and the Retry-After given.

Run: .venv/bin/python bench/logins.py [--burst 50] [--guesses 8]. Prints text (or --json).
"""

from __future__ import annotations

import _no_shadow  # noqa: F401  (first: bench/http.py shadows the standard `http`; see bench/_no_shadow.py)

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
PASSWORD = "una-clave-larga-de-prueba"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def kib(pid: int, field: str) -> int:
    """A VmRSS/VmHWM line of /proc/<pid>/status, in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None, field
    return int(match.group(1))


def kpt(directory: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(Path(sys.executable).parent / "kpt"), *args], cwd=directory, env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout


def form(client: httpx.Client) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None, page.text[:500]
    return match.group(1)


def post_login(client: httpx.Client, csrf: str, username: str, password: str) -> httpx.Response:
    return client.post("/login", data={"username": username, "password": password, "next": "/", "csrf_token": csrf})


def burst(base: str, pid: int, clients: int) -> dict[str, object]:
    sessions = [httpx.Client(base_url=base, timeout=120) for _ in range(clients)]
    tokens = [form(client) for client in sessions]
    statuses: Counter[int] = Counter()
    barrier = threading.Barrier(clients + 1)
    samples: list[int] = []
    running = threading.Event()
    running.set()

    def sample() -> None:
        while running.is_set():
            samples.append(kib(pid, "VmRSS"))
            time.sleep(0.001)  # the sampling interval

    def one(client: httpx.Client, csrf: str) -> None:
        barrier.wait()
        statuses[post_login(client, csrf, "ana", PASSWORD).status_code] += 1

    before_rss, before_hwm = kib(pid, "VmRSS"), kib(pid, "VmHWM")
    sampler = threading.Thread(target=sample)
    sampler.start()
    workers = [threading.Thread(target=one, args=pair) for pair in zip(sessions, tokens)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    running.clear()
    sampler.join()
    for client in sessions:
        client.close()
    peak = max(samples)
    return {"clients": clients, "statuses": dict(statuses), "seconds": round(elapsed, 2),
            "rss_before_mib": round(before_rss / 1024, 1), "rss_peak_mib": round(peak / 1024, 1),
            "rss_added_mib": round((peak - before_rss) / 1024, 1), "hwm_before_mib": round(before_hwm / 1024, 1),
            "hwm_after_mib": round(kib(pid, "VmHWM") / 1024, 1), "samples": len(samples)}


def guesses(base: str, count: int) -> dict[str, object]:
    seen = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for n in range(count):
            answer = post_login(client, form(client), "ana", f"adivinanza-{n}")
            seen.append((answer.status_code, answer.headers.get("Retry-After")))
    return {"guesses": count, "statuses": [status for status, _ in seen],
            "retry_after": next((int(retry) for status, retry in seen if status == 429), None)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--guesses", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="kpt-logins-"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KPT_")},
           "KPT_DATABASE_URL": f"sqlite:///{directory / 'kpt.db'}", "KPT_DATA_DIR": str(directory / "data")}
    kpt(directory, env, "init")
    kpt(directory, env, "user", "create", "ana", "--rol", "dnp", "--password", PASSWORD)
    port = free_port()
    with (directory / "server.log").open("wb") as log:
        server = subprocess.Popen([str(Path(sys.executable).parent / "kpt"), "serve", "--host", HOST, "--port",
                                   str(port)], cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    base = f"http://{HOST}:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        # One login first, so the burst measures the logins, not the first import of what they use.
        with httpx.Client(base_url=base) as warm:
            post_login(warm, form(warm), "ana", PASSWORD)
        report = {"burst": burst(base, server.pid, args.burst), "throttle": guesses(base, args.guesses)}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(directory, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        b, t = report["burst"], report["throttle"]
        print(f"A. {b['clients']} simultaneous logins: {b['statuses']} in {b['seconds']} s; RSS {b['rss_before_mib']} "
              f"-> peak {b['rss_peak_mib']} MiB (+{b['rss_added_mib']} MiB, {b['samples']} samples); "
              f"VmHWM {b['hwm_before_mib']} -> {b['hwm_after_mib']} MiB")
        print(f"B. {t['guesses']} wrong passwords in a row: statuses {t['statuses']}; Retry-After {t['retry_after']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
