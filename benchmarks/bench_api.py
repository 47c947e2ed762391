"""How many requests a second the API answers: prints figures, asserts nothing.

Serves the project's app and, as the floor, a bare FastAPI app whose handlers take the same
request (the seed's body for ``/calculate``, the same query for ``/targets``) and answer a
small fixed JSON. The bare handlers come twice: as plain ``def`` (FastAPI runs them in a
worker thread; the floor issue 19 measured) and as ``async def`` (run on the event loop, as
the project's allocation routes are), so each share is shown against both. Each app is
served in turn by the same uvicorn settings (one process, one worker, no access log) and
loaded by the same tool, ``wrk`` (8 connections, 2 threads), in one run. Prints requests/s
of each endpoint and its share of each bare handler's; then the CPU a request costs in each
app alone (its ASGI interface called in this process, no server), which the machine's
other load changes least.

    .venv/bin/python benchmarks/bench_api.py [--seconds 10]
    .venv/bin/python benchmarks/bench_api.py --cpu-only   # the CPU figures alone, no wrk
    .venv/bin/python benchmarks/bench_api.py --profile    # pyinstrument of /calculate
    .venv/bin/python benchmarks/bench_api.py --profile /targets
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, MutableMapping
from decimal import Decimal
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
SEED_BODY = {
    "holdings": {
        "AAPL": {"asset_class": "stocks", "value": 26940},
        "VOO": {"asset_class": "etfs", "value": 30000},
        "Gold": {"asset_class": "commodities", "value": 20740},
        "BTC": {"asset_class": "crypto", "value": 0},
    },
    "portfolio_value": 183535.63,
}
TARGETS_QUERY = "/api/v1/allocation/targets?portfolio_value=183535.63"
CALCULATE = "/api/v1/allocation/calculate"


# The floors: bare handlers as plain functions (run in a worker thread) and as coroutines
# (run on the event loop, as the project's allocation routes are).
FLOORS = ("bare", "bare async")


def make_app(kind: str) -> Any:
    """The project's app, or a bare one (``FLOORS``): handlers taking the same request and
    answering a small fixed JSON."""
    from fastapi import FastAPI

    if kind == "project":
        from monitor.api.app import create_app
        from monitor.settings import load_settings

        return create_app(load_settings(None))
    app = FastAPI()
    if kind == "bare async":

        @app.post(CALCULATE)
        async def calculate_now(body: dict[str, Any]) -> dict[str, Any]:
            return {"ok": True}

        @app.get("/api/v1/allocation/targets")
        async def targets_now(portfolio_value: Decimal) -> dict[str, Any]:
            return {"ok": True}

        return app

    @app.post(CALCULATE)
    def calculate(body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    @app.get("/api/v1/allocation/targets")
    def targets(portfolio_value: Decimal) -> dict[str, Any]:
        return {"ok": True}

    return app


# Each server is run as ``python -c SERVER kind port``: the same uvicorn settings.
SERVER = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
import uvicorn
from benchmarks.bench_api import make_app
uvicorn.run(make_app(sys.argv[1]), host="{HOST}", port=int(sys.argv[2]), log_level="warning",
            access_log=False)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def wait_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def wrk(url: str, seconds: int, script: Path | None) -> float:
    """Requests per second wrk measures at ``url`` (``script``: the POST's Lua)."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", url]
    if script is not None:
        command[4:4] = ["-s", str(script)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    if "Non-2xx" in result.stdout:
        raise SystemExit(f"{url} answered errors:\n{result.stdout}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    assert found, result.stdout
    return float(found.group(1))


def serve_and_load(kind: str, seconds: int, script: Path) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, kind, str(port)])
    try:
        wait_listening(port)
        base = f"http://{HOST}:{port}"
        wrk(base + TARGETS_QUERY, 2, None)  # warm up
        return {
            "/calculate": wrk(base + CALCULATE, seconds, script),
            "/targets": wrk(base + TARGETS_QUERY, seconds, None),
        }
    finally:
        server.terminate()
        server.wait()


def asgi_call(app: Any, method: str, target: str, body: bytes) -> Callable[[], Any]:
    """One request through ``app``'s ASGI interface in this process (no server, no client),
    as a coroutine function; it checks the answer is a 200."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"host", b"bench"),
        ],
        "client": (HOST, 1),
        "server": (HOST, 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise SystemExit(f"{target} answered {message['status']}")

    async def call() -> None:
        await app(dict(scope), receive, send)

    return call


REQUESTS = {
    "/calculate": ("POST", CALCULATE, json.dumps(SEED_BODY).encode()),
    "/targets": ("GET", TARGETS_QUERY, b""),
}


ROUNDS = 5


def cpu_per_request(kind: str, requests: int) -> dict[str, float]:
    """Microseconds of CPU (this process's, worker threads included) per request through
    the app alone: what another process's load on the machine changes least. The least of
    ``ROUNDS`` rounds, a fifth of ``requests`` each: other load only ever adds to it."""
    app = make_app(kind)
    per_round = max(1, requests // ROUNDS)

    async def measure() -> dict[str, float]:
        spent = {}
        for endpoint, (method, target, body) in REQUESTS.items():
            call = asgi_call(app, method, target, body)
            await call()
            rounds = []
            for _ in range(ROUNDS):
                started = time.process_time()
                for _ in range(per_round):
                    await call()
                rounds.append((time.process_time() - started) / per_round * 1e6)
            spent[endpoint] = min(rounds)
        return spent

    return asyncio.run(measure())


def profile(endpoint: str, requests: int) -> None:
    """pyinstrument of ``endpoint`` (a key of ``REQUESTS``) through the app in this thread
    (the allocation routes run on the event loop; a route handed to a worker thread would
    not show)."""
    from pyinstrument import Profiler

    method, target, body = REQUESTS[endpoint]
    call = asgi_call(make_app("project"), method, target, body)

    async def many() -> None:
        await call()
        profiler = Profiler(interval=0.0001, async_mode="enabled")
        with profiler:
            for _ in range(requests):
                await call()
        print(profiler.output_text(unicode=False, color=False, show_all=False))

    asyncio.run(many())


def print_shares(title: str, unit: str, figures: dict[str, dict[str, float]]) -> None:
    """One row per endpoint: each floor's figure, the project's, and the project's share of
    each floor (requests/s) or how many times each floor it costs (CPU)."""
    per_second = unit == "req/s"
    print(title)
    heads = [f"{kind} {unit}" for kind in (*FLOORS, "project")]
    heads += [f"vs {kind}" for kind in FLOORS]
    print(f"{'endpoint':12}" + "".join(f" {head:>15}" for head in heads))
    for endpoint, ours in figures["project"].items():
        floors = [figures[kind][endpoint] for kind in FLOORS]
        row = [f"{figure:15.0f}" for figure in (*floors, ours)]
        if per_second:
            row += [f"{ours / floor:15.0%}" for floor in floors]
        else:
            row += [f"{ours / floor:14.2f}x" for floor in floors]
        print(f"{endpoint:12}" + "".join(f" {cell}" for cell in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=3000, help="for the CPU figures")
    parser.add_argument("--cpu-only", action="store_true", help="the CPU figures alone, no wrk")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="/calculate",
        choices=sorted(REQUESTS),
        help="profile an endpoint instead (/calculate when none is named)",
    )
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, 2000)
        return
    if not args.cpu_only:
        if shutil.which("wrk") is None:
            raise SystemExit("wrk is needed: apt-get install wrk")
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "post.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                'wrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = {json.dumps(json.dumps(SEED_BODY))}\n"
            )
            served = {
                kind: serve_and_load(kind, args.seconds, script) for kind in (*FLOORS, "project")
            }
        title = f"wrk, 8 connections, {args.seconds} s each; one uvicorn process each, in turn"
        print_shares(title, "req/s", served)
    cpu = {kind: cpu_per_request(kind, args.requests) for kind in (*FLOORS, "project")}
    title = "CPU per request through the app alone (in this process, no server), microseconds"
    print_shares(title, "µs", cpu)


if __name__ == "__main__":
    main()
