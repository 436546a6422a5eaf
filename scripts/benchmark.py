#!/usr/bin/env python3
"""Decisions per second and latency of POST /v1/save-cases against a direct OPA query with the same input.

Starts its own OPA (the policies bundle; or uses --opa-url) and the real service on
Uvicorn with a throwaway SQLite decision log in a temporary directory, then
measures both under the same client and concurrency, warm-up excluded. Prints
figures; asserts nothing. Stops what it started and removes the temporary
directory. Run: .venv/bin/python scripts/benchmark.py [--requests 2000 --concurrency 8 --json]
"""

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.policy.bundle import build_bundle  # noqa: E402

OPA = ROOT / ".tools" / "bin" / "opa"
PYTHON = ROOT / ".venv" / "bin" / "python"
EXAMPLE = ROOT / "examples" / "save-case-service-recovery.json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, deadline_seconds: float = 30, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode} before becoming healthy")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


async def _measure(
    client: httpx.AsyncClient, url: str, bodies: list[dict], headers: dict[str, str], concurrency: int
) -> tuple[float, list[float]]:
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            response = await client.post(url, json=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code not in (200, 201):
                raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def _row(name: str, elapsed: float, latencies: list[float]) -> dict:
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "target": name,
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
    }


async def _run(args: argparse.Namespace, service_url: str, opa_url: str, token: str) -> list[dict]:
    case = json.loads(EXAMPLE.read_text())
    auth = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        def cases(n: int) -> list[dict]:
            return [{**case, "event_id": f"bench-{uuid.uuid4()}"} for _ in range(n)]

        first = await client.post(f"{service_url}/v1/save-cases", json=cases(1)[0], headers=auth)
        first.raise_for_status()
        policy_input = {"input": first.json()["evidence"]}  # exactly what the service sent OPA
        opa_decision = f"{opa_url}/v1/data/retention/decision"
        await _measure(client, f"{service_url}/v1/save-cases", cases(args.warmup), auth, args.concurrency)
        await _measure(client, opa_decision, [policy_input] * args.warmup, {}, args.concurrency)
        service = _row(
            "POST /v1/save-cases",
            *await _measure(client, f"{service_url}/v1/save-cases", cases(args.requests), auth, args.concurrency),
        )
        opa = _row(
            "OPA POST /v1/data/retention/decision",
            *await _measure(client, opa_decision, [policy_input] * args.requests, {}, args.concurrency),
        )
    return [service, opa]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per target")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests per target first")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--opa-url",
        help=(
            "use this OPA server instead of starting one; it must serve a revision-stamped bundle of policies/ "
            "(python -m app.policy.bundle --out DIR)"
        ),
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="save-offers-bench-"))
    service_port = _free_port()
    service_url = f"http://127.0.0.1:{service_port}"
    opa_port = _free_port()
    opa_url = args.opa_url.rstrip("/") if args.opa_url else f"http://127.0.0.1:{opa_port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'decisions.db'}",
        "OPA_URL": opa_url,
        "BACKGROUND_JOBS": "false",
        "LOG_LEVEL": "WARNING",
        # The example's owner and approvers exist, so cases are routed and staffed as in production.
        "SEED_DIRECTORY_FILE": str(ROOT / "seeds" / "directory.json"),
    }
    processes: list[subprocess.Popen] = []
    service_log = (workdir / "service.log").open("w")
    opa_log = (workdir / "opa.log").open("w")
    try:
        if not args.opa_url:
            bundle, _ = build_bundle(opa_binary=OPA, policy_dir=ROOT / "policies", out_dir=workdir / "bundle")
            processes.append(
                subprocess.Popen(
                    [
                        str(OPA),
                        "run",
                        "--server",
                        "--addr",
                        f"127.0.0.1:{opa_port}",
                        "--log-level",
                        "error",
                        "-b",
                        str(bundle),
                    ],
                    stdout=opa_log,
                    stderr=subprocess.STDOUT,
                )
            )
        _wait(f"{opa_url}/health?bundles", process=processes[0] if processes else None)
        processes.append(
            subprocess.Popen(
                [
                    str(PYTHON),
                    "-m",
                    "uvicorn",
                    "app.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(service_port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=service_log,
                stderr=subprocess.STDOUT,
            )
        )
        _wait(f"{service_url}/healthz", process=processes[-1])
        token = subprocess.run(
            # A service token reports for one CRM source: the example's.
            [str(PYTHON), "-m", "app.directory.cli", "service-token", json.loads(EXAMPLE.read_text())["source"]],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        rows = asyncio.run(_run(args, service_url, opa_url, token))
    except BaseException:
        service_log.flush()
        opa_log.flush()
        for log in ("opa.log", "service.log"):
            print(f"--- {log}\n{(workdir / log).read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        service_log.close()
        opa_log.close()
        shutil.rmtree(workdir, ignore_errors=True)

    ratio = rows[1]["per_second"] / rows[0]["per_second"]
    if args.json:
        print(
            json.dumps(
                {
                    "rows": rows,
                    "opa_to_service_throughput_ratio": ratio,
                    "concurrency": args.concurrency,
                    "warmup": args.warmup,
                }
            )
        )
        return 0
    print(f"{args.requests} requests per target, concurrency {args.concurrency}, after {args.warmup} warm-up requests")
    print(f"{'target':<40}{'decisions/s':>12}{'p50 ms':>10}{'p99 ms':>10}")
    for row in rows:
        print(f"{row['target']:<40}{row['per_second']:>12.1f}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}")
    print(
        f"direct OPA / service throughput: {ratio:.1f}x; "
        f"service p50 is {rows[0]['p50_ms'] / rows[1]['p50_ms']:.1f}x OPA's"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
