#!/usr/bin/env python3
"""The service against its policy engine: decide throughput and latency, CPU, memory, and decision-log pages.

Starts one standalone OPA (the policies bundle; or uses --opa-url) and then, phase by phase:

  decide   POST /v1/save-cases at --concurrency (8) and at concurrency 1 on SQLite (one Uvicorn
           process) and on a throwaway PostgreSQL (`uvicorn --workers 1, 2, 4`), every process on the
           same OPA via OPA_URL; then direct OPA (POST /v1/data/retention/decision with the enriched
           input the service sent). CPU ms per decision from /proc/<pid>/stat (utime + stime of the
           process tree) across the measured run. Each client connection is closed every --recycle
           (10) requests, so that with several workers the connections spread over them.
  memory   the SQLite service's VmRSS after 10,000 and 20,000 decisions.
  pages    GET /v1/decisions at 1,000,000 rows (scripts/seed_decisions.py) on SQLite and PostgreSQL:
           first pages and next_cursor pages for each filter, one request at a time (PostgreSQL
           gets the VACUUM ANALYZE autovacuum would have run on a table that old).
  programme  app.programme.metrics.programme at 1,000,000 save cases (one decision, one case and one
           programme_case_facts row each) and 300,000 outcome events (scripts/seed_programme.py) on
           SQLite and PostgreSQL, in process, one read session per call: no filter, a 3-month period,
           one segment, one reason class with one offer type, one policy revision; the first call and
           the median and max of --programme-runs (5) more per query (PostgreSQL gets VACUUM ANALYZE too).
  shadow   decide as in the SQLite phase with shadow mode on (SHADOW_RELEASE: a release of the same
           policies, so the shadow OPA does the live OPA's work again): throughput and latency beside the
           plain SQLite row, and the shadow's written, dropped and failed evaluations (GET /v1/policy).
  audit    the audit verifier (python -m app.audit verify) over --audit-rows (1,000,000) chained
           decisions on SQLite (audit-sqlite) and PostgreSQL (audit-postgres): rows per second and peak
           RSS (scripts/benchmark_audit.py). Every decide phase above runs with the chains on.
  replay   the impact report (python -m app.impact) over --replay-rows (100,000) seeded logged decisions:
           decisions per second and peak RSS, with both policies deciding and with the base's decisions
           read from the log (scripts/benchmark_replay.py).

Prints one table with the goals (met / not met); asserts nothing. Each phase stops what it started
and removes its temporary directory, also when it fails (the next phase still runs; the exit status
is 1). The default run takes about 25 minutes on two cores (the programme phases about 13 of them,
11 of which seeding); --quick about two.

    .venv/bin/python scripts/benchmark.py [--quick] [--requests 2000 --concurrency 8 --json]
    .venv/bin/python scripts/benchmark.py --only programme-sqlite,programme-postgres [--quick]
    .venv/bin/python scripts/benchmark.py --only replay [--replay-rows 100000]
    .venv/bin/python scripts/benchmark.py --only audit-sqlite,audit-postgres [--audit-rows 1000000]
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmark_alternatives import eval_figures, eval_line  # noqa: E402
from benchmark_audit import audit_figures, audit_table  # noqa: E402
from benchmark_programme import PROGRAMME_TABLES, programme_figures, seed_programme  # noqa: E402
from benchmark_replay import replay_figures, replay_table  # noqa: E402
from benchmark_support import (  # noqa: E402
    PYTHON,
    Process,
    cli,
    cpu_by_process,
    cpu_seconds,
    free_port,
    is_helper,
    machine,
    opa_server,
    rss_bytes,
    service_env,
    uvicorn,
)

EXAMPLE = ROOT / "examples" / "save-case-service-recovery.json"
PHASES = (
    "sqlite",
    "memory",
    "opa",
    "postgres",
    "pages-sqlite",
    "pages-postgres",
    "programme-sqlite",
    "programme-postgres",
    "replay",
    "shadow",
    "audit-sqlite",
    "audit-postgres",
)
PG_WORKERS = (1, 2, 4)

# Goals, printed beside the figures.
THROUGHPUT_SHARE_GOAL = 0.5  # service decisions/s >= 50% of direct OPA's
P99_RATIO_GOAL = 3.0  # service p99 <= 3x OPA's
C1_P50_RATIO_GOAL = 3.0  # concurrency-1 p50 <= 3x OPA's
PAGE_P95_GOAL_MS = 50.0  # decision-log page p95 < 50 ms
PROGRAMME_GOAL_MS = {"SQLite": 2000.0, "PostgreSQL": 1000.0}  # every programme-metrics call under it


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _quantile(values: list[float], q: int) -> float:
    """The q-th percentile (1-99) of the values, in the values' unit."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100)[q - 1]


@dataclass
class Results:
    decide: list[dict[str, Any]] = field(default_factory=list)
    opa: dict[str, Any] | None = None
    memory: dict[str, Any] | None = None
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    programme: dict[str, dict[str, Any]] = field(default_factory=dict)
    replay: dict[str, Any] | None = None
    audit: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    load: dict[str, float] = field(default_factory=dict)  # 1-minute load average as each phase ended


@contextlib.contextmanager
def _phase(results: Results, name: str) -> Iterator[None]:
    """Run a phase; on failure record it and go on with the next one (Ctrl-C and SIGTERM still stop the run)."""
    started = time.perf_counter()
    _log(f"{name}: start")
    try:
        yield
        results.load[name] = os.getloadavg()[0]
        _log(f"{name}: done in {time.perf_counter() - started:.0f} s, load average {results.load[name]:.2f}")
    except Exception as exc:
        results.load[name] = os.getloadavg()[0]
        traceback.print_exc(file=sys.stderr)
        results.failures.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        _log(f"{name}: FAILED after {time.perf_counter() - started:.0f} s")


@contextlib.contextmanager
def _tempdir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- decide --------------------------------------------------------------------------------------


async def _measure(
    client: httpx.AsyncClient,
    url: str,
    bodies: list[dict],
    headers: dict[str, str],
    concurrency: int,
    recycle: int = 0,
) -> tuple[float, list[float]]:
    """POST the bodies from `concurrency` client tasks; the elapsed time and each request's latency.

    With `recycle`, each task asks the server to close its connection after every `recycle`-th
    request (Connection: close) and opens a new one for the next: new connections go to a worker
    that is free to accept them, so with several Uvicorn workers the load spreads over them as a
    load balancer's connections would. Without it the first worker to accept takes every
    connection (asyncio accepts all pending ones at once) and stays with them.
    """
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    closing = {**headers, "Connection": "close"}

    async def worker() -> None:
        sent = 0
        while not queue.empty():
            body = queue.get_nowait()
            sent += 1
            started = time.perf_counter()
            response = await client.post(
                url, json=body, headers=closing if recycle and sent % recycle == 0 else headers
            )
            latencies.append(time.perf_counter() - started)
            if response.status_code not in (200, 201):
                raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def _client(concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(timeout=30, limits=limits)


class Target:
    """Something that decides: a service (token, POST /v1/save-cases) or OPA itself (the enriched input)."""

    def __init__(self, url: str, headers: dict[str, str], body: Callable[[], dict], *, recycle: int) -> None:
        self.url, self.headers, self.body, self.recycle = url, headers, body, recycle

    async def run(self, client: httpx.AsyncClient, count: int, concurrency: int) -> tuple[float, list[float]]:
        bodies = [self.body() for _ in range(count)]
        return await _measure(client, self.url, bodies, self.headers, concurrency, self.recycle)


def _case_body() -> Callable[[], dict]:
    case = json.loads(EXAMPLE.read_text())
    return lambda: {**case, "event_id": f"bench-{uuid.uuid4()}"}


async def _decide_figures(
    args: argparse.Namespace, target: Target, *, pid: int | None, opa_pid: int | None
) -> dict[str, Any]:
    """Warm-up, the measured run at --concurrency (with CPU time), then the concurrency-1 run."""
    async with _client(args.concurrency) as client:
        await target.run(client, args.warmup, args.concurrency)
        cpu_before = cpu_by_process(pid) if pid else None
        opa_before = cpu_seconds(opa_pid) if opa_pid and opa_pid != pid else None
        elapsed, latencies = await target.run(client, args.requests, args.concurrency)
        cpu_after = cpu_by_process(pid) if pid else None
        opa_after = cpu_seconds(opa_pid) if opa_pid and opa_pid != pid else None
    async with _client(1) as client:
        await target.run(client, min(args.warmup, 20), 1)
        _, single = await target.run(client, args.c1_requests, 1)
    row: dict[str, Any] = {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": _quantile(latencies, 50) * 1000,
        "p99_ms": _quantile(latencies, 99) * 1000,
        "c1_requests": len(single),
        "c1_p50_ms": _quantile(single, 50) * 1000,
        "cpu_ms_per_decision": None,
        "decisions_served": 1 + args.warmup + args.requests + min(args.warmup, 20) + args.c1_requests,
    }
    if cpu_before is not None and cpu_after is not None:
        spent = {p: cpu_after[p] - cpu_before.get(p, 0.0) for p in cpu_after}
        row["cpu_ms_per_decision"] = sum(spent.values()) * 1000 / len(latencies)
        # How the measured run's CPU split over Uvicorn's worker processes (the master's share is apart).
        row["master_cpu_ms_per_decision"] = spent.get(pid, 0.0) * 1000 / len(latencies)
        row["worker_cpu_ms_per_decision"] = sorted(
            (round(spent[p] * 1000 / len(latencies), 2) for p in spent if p != pid and not is_helper(p)),
            reverse=True,
        )
    if opa_before is not None and opa_after is not None:
        row["opa_cpu_ms_per_decision"] = (opa_after - opa_before) * 1000 / len(latencies)
    return row


async def _first_decision(url: str, token: str) -> dict:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{url}/v1/save-cases", json=_case_body()(), headers={"Authorization": f"Bearer {token}"}
        )
        response.raise_for_status()
        return response.json()


def _service_token(env: dict[str, str]) -> str:
    # A service token reports for one CRM source: the example's.
    return cli(env, "service-token", json.loads(EXAMPLE.read_text())["source"])


def _decide_service(
    args: argparse.Namespace,
    results: Results,
    *,
    label: str,
    env: dict[str, str],
    workdir: Path,
    workers: int,
    opa: Process | None,
    memory: bool = False,
    shadow: bool = False,
) -> None:
    with uvicorn(label, workdir, env, workers=workers) as (service, url):
        token = _service_token(env)
        first = asyncio.run(_first_decision(url, token))
        if results.opa is None or "input" not in results.opa:
            results.opa = {"input": {"input": first["evidence"]}}  # exactly what the service sent OPA
        target = Target(
            f"{url}/v1/save-cases", {"Authorization": f"Bearer {token}"}, _case_body(), recycle=args.recycle
        )
        row = asyncio.run(_decide_figures(args, target, pid=service.pid, opa_pid=opa.pid if opa else None))
        row.update(target=label, database=env["DATABASE_URL"].split(":", 1)[0], workers=workers)
        results.decide.append(row)
        _log(
            f"{label}: {row['per_second']:.1f}/s p50 {row['p50_ms']:.1f} ms p99 {row['p99_ms']:.1f} ms "
            f"c1 p50 {row['c1_p50_ms']:.1f} ms CPU {row['cpu_ms_per_decision'] or 0:.2f} ms/decision"
        )
        if memory:
            results.memory = asyncio.run(_memory(args, target, service.pid, served=row["decisions_served"]))
        if shadow:
            time.sleep(3)  # the shadow's last evaluations finish and its buffer is flushed (every second)
            row["shadow"] = httpx.get(f"{url}/v1/policy", headers=target.headers, timeout=30).json()["shadow"]
            _log(f"{label}: shadow {row['shadow']}")


async def _memory(args: argparse.Namespace, target: Target, pid: int, *, served: int) -> dict[str, Any]:
    """Go on deciding on the same process up to --rss-decisions in all, reading VmRSS halfway and at the end."""
    total, half = args.rss_decisions, args.rss_decisions // 2
    figures: dict[str, Any] = {"decisions": total, "rss_after_measured_run": rss_bytes(pid), "after": served}
    async with _client(args.concurrency) as client:
        for mark in (half, total):
            if served < mark:
                await target.run(client, mark - served, args.concurrency)
                served = mark
            figures[f"rss_at_{mark}"] = rss_bytes(pid)
            _log(f"memory: VmRSS {figures[f'rss_at_{mark}'] / 2**20:.1f} MiB after {served} decisions")
    figures["rss_bytes"] = figures[f"rss_at_{total}"]
    figures["growth_bytes"] = figures[f"rss_at_{total}"] - figures[f"rss_at_{half}"]
    figures["half"] = half
    return figures


def _decide_opa(args: argparse.Namespace, results: Results, opa_url: str, opa: Process | None) -> None:
    if results.opa is None or "input" not in results.opa:
        raise RuntimeError("no enriched input: the SQLite decide phase did not record a decision")
    policy_input = results.opa["input"]
    target = Target(f"{opa_url}/v1/data/retention/decision", {}, lambda: policy_input, recycle=args.recycle)
    row = asyncio.run(_decide_figures(args, target, pid=opa.pid if opa else None, opa_pid=None))
    row.update(target="direct OPA", eval=eval_figures(opa_url, policy_input))
    results.opa = {**row, "input": policy_input}
    _log(f"direct OPA: {row['per_second']:.1f}/s p50 {row['p50_ms']:.2f} ms p99 {row['p99_ms']:.2f} ms")
    _log(eval_line(row["eval"]))


# --- pages ---------------------------------------------------------------------------------------


def _seed(database_url: str, rows: int, workdir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    command = [str(PYTHON), str(ROOT / "scripts" / "seed_decisions.py"), "--database-url", database_url]
    with (workdir / "seed.log").open("w") as log:
        completed = subprocess.run(
            [*command, "--rows", str(rows)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode:
        raise RuntimeError(
            f"seed_decisions.py exited {completed.returncode}\n{(workdir / 'seed.log').read_text()[-2000:]}"
        )
    seconds = time.perf_counter() - started
    _log(f"seeded {rows} rows in {seconds:.0f} s ({rows / seconds:.0f}/s)")
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}


def _vacuum_analyze(database_url: str, tables: tuple[str, ...] = ("decisions",)) -> float:
    """What autovacuum would have done to a table filled over a year: statistics and the visibility map.

    Right after a bulk load PostgreSQL has neither, so counts read the heap and autovacuum would
    start in the middle of the measurement; done here, before the service starts, and timed.
    """
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
    seconds = time.perf_counter() - started
    _log(f"VACUUM (ANALYZE) {', '.join(tables)} in {seconds:.0f} s")
    return seconds


def _month_bounds(year: int, month: int) -> tuple[str, str]:
    nxt = (year + (month == 12), month % 12 + 1)
    return f"{year:04d}-{month:02d}-01T00:00:00Z", f"{nxt[0]:04d}-{nxt[1]:02d}-01T00:00:00Z"


def _filters(client: httpx.Client, url: str) -> dict[str, list[dict[str, str]]]:
    """Filter values that exist in the log, from its newest rows (unmeasured)."""
    items: list[dict] = []
    cursor = None
    for _ in range(5):
        response = client.get(f"{url}/v1/decisions", params={"limit": 200, **({"cursor": cursor} if cursor else {})})
        response.raise_for_status()
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    if not items:
        raise RuntimeError("the decision log is empty")

    def distinct(key: str) -> list[str]:
        return list(dict.fromkeys(item[key] for item in items))

    newest = datetime.fromisoformat(items[0]["decision_time"]).astimezone(UTC)
    months = []
    for back in range(1, 13):  # full months before the newest one, newest first
        index = newest.year * 12 + newest.month - 1 - back
        start, end = _month_bounds(index // 12, index % 12 + 1)
        probe = client.get(f"{url}/v1/decisions", params={"decided_from": start, "decided_to": end, "limit": 1})
        if probe.status_code == 200 and probe.json()["items"]:
            months.append({"decided_from": start, "decided_to": end})
    return {
        "none": [{}],
        "account_id": [{"account_id": a} for a in distinct("account_id")],
        "outcome": [{"outcome": o} for o in distinct("outcome")],
        "policy_revision": [{"policy_revision": r} for r in distinct("policy_revision")],
        "decided month": months,
    }


def _page_figures(args: argparse.Namespace, url: str, token: str) -> dict[str, Any]:
    """About --page-requests page reads per filter: walks of a first page and up to --page-depth - 1 cursor pages."""
    per_filter: dict[str, Any] = {}
    everything: list[float] = []
    with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        filters = _filters(client, url)
        for name, values in filters.items():
            if not values:
                per_filter[name] = {"error": "no values found"}
                continue
            first: list[float] = []
            later: list[float] = []
            requests = 0
            walk = 0
            while requests < args.page_requests + args.page_warmup:
                params = values[walk % len(values)]
                walk += 1
                cursor = None
                for depth in range(args.page_depth):
                    started = time.perf_counter()
                    response = client.get(
                        f"{url}/v1/decisions", params={**params, **({"cursor": cursor} if cursor else {})}
                    )
                    seconds = time.perf_counter() - started
                    if response.status_code != 200:
                        raise RuntimeError(f"GET /v1/decisions {params}: {response.status_code} {response.text[:300]}")
                    requests += 1
                    if requests > args.page_warmup:
                        (first if depth == 0 else later).append(seconds)
                    cursor = response.json()["next_cursor"]
                    if not cursor or requests >= args.page_requests + args.page_warmup:
                        break
            both = first + later
            everything += both
            per_filter[name] = {
                "requests": len(both),
                "values": len(values),
                "p50_ms": _quantile(both, 50) * 1000,
                "p95_ms": _quantile(both, 95) * 1000,
                "first_p95_ms": _quantile(first, 95) * 1000 if first else None,
                "first_requests": len(first),
                "cursor_p95_ms": _quantile(later, 95) * 1000 if later else None,
                "cursor_requests": len(later),
                "max_ms": max(both) * 1000,
            }
            _log(f"pages {name}: p95 {per_filter[name]['p95_ms']:.1f} ms over {len(both)} requests")
    return {"filters": per_filter, "p95_ms": _quantile(everything, 95) * 1000, "requests": len(everything)}


def _pages(
    args: argparse.Namespace, results: Results, *, key: str, database_url: str, workdir: Path, opa_url: str
) -> None:
    seeding = _seed(database_url, args.page_rows, workdir)
    if database_url.startswith("postgresql"):
        seeding["vacuum_analyze_seconds"] = _vacuum_analyze(database_url)
    env = service_env(database_url, opa_url)
    with uvicorn(f"pages {key}", workdir, env) as (_service, url):
        token = cli(env, "person-token", "u-admin")  # the seed's administrator: the log is admins' and integrations'
        figures = _page_figures(args, url, token)
    results.pages[key] = {**figures, "seeding": seeding}


# --- programme metrics ---------------------------------------------------------------------------


def _programme(args: argparse.Namespace, results: Results, *, key: str, database_url: str, workdir: Path) -> None:
    seeding = seed_programme(database_url, args.programme_cases, args.programme_events, workdir, _log)
    if database_url.startswith("postgresql"):
        seeding["vacuum_analyze_seconds"] = _vacuum_analyze(database_url, PROGRAMME_TABLES)
    figures = asyncio.run(programme_figures(database_url, args.programme_runs, _log))
    results.programme[key] = {"queries": figures, "seeding": seeding}


# --- the run -------------------------------------------------------------------------------------


def run(args: argparse.Namespace, opa_url: str, opa: Process | None) -> Results:
    from tests.support.postgres import throwaway_postgres

    results = Results()
    phases = set(args.only)
    if phases & {"sqlite", "memory", "opa"}:
        with _phase(results, "decide sqlite"), _tempdir("save-offers-bench-") as workdir:
            env = service_env(f"sqlite:///{workdir / 'decisions.db'}", opa_url)
            _decide_service(
                args,
                results,
                label="SQLite, 1 process",
                env=env,
                workdir=workdir,
                workers=1,
                opa=opa,
                memory="memory" in phases,
            )
    if "opa" in phases or "sqlite" in phases:
        with _phase(results, "decide direct OPA"):
            _decide_opa(args, results, opa_url, opa)
    if "postgres" in phases:
        for workers in PG_WORKERS:
            label = f"PostgreSQL, {workers} worker{'s' if workers > 1 else ''}"
            with (
                _phase(results, f"decide {label}"),
                _tempdir("save-offers-bench-") as workdir,
                # Durable, as in production: a decision's commit waits for its WAL flush.
                throwaway_postgres(durable=True) as database_url,
            ):
                env = service_env(database_url, opa_url, MIGRATE_ON_START="false")
                # Migrated and the directory seeded once, before the workers start (serve.sh does the same):
                # side by side they would race on the same DDL and rows.
                cli(env, "seed", env["SEED_DIRECTORY_FILE"])
                _decide_service(args, results, label=label, env=env, workdir=workdir, workers=workers, opa=opa)
    if "shadow" in phases:
        with _phase(results, "decide shadow"), _tempdir("save-offers-bench-") as workdir:
            env = service_env(
                f"sqlite:///{workdir / 'decisions.db'}",
                opa_url,
                RELEASE_DIR=str(workdir / "releases"),
                SHADOW_RELEASE="bench-shadow",
            )
            subprocess.run(
                [str(PYTHON), "-m", "app.policy.release", "build", "--name", "bench-shadow"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            _decide_service(
                args, results, label="SQLite, shadow on", env=env, workdir=workdir, workers=1, opa=opa, shadow=True
            )
    if "pages-sqlite" in phases:
        with _phase(results, "pages sqlite"), _tempdir("save-offers-bench-") as workdir:
            _pages(
                args,
                results,
                key="SQLite",
                database_url=f"sqlite:///{workdir / 'decisions.db'}",
                workdir=workdir,
                opa_url=opa_url,
            )
    if "pages-postgres" in phases:
        with (
            _phase(results, "pages postgres"),
            _tempdir("save-offers-bench-") as workdir,
            throwaway_postgres() as database_url,
        ):
            _pages(args, results, key="PostgreSQL", database_url=database_url, workdir=workdir, opa_url=opa_url)
    if "programme-sqlite" in phases:
        with _phase(results, "programme sqlite"), _tempdir("save-offers-bench-") as workdir:
            _programme(
                args, results, key="SQLite", database_url=f"sqlite:///{workdir / 'programme.db'}", workdir=workdir
            )
    if "programme-postgres" in phases:
        with (
            _phase(results, "programme postgres"),
            _tempdir("save-offers-bench-") as workdir,
            throwaway_postgres() as database_url,
        ):
            _programme(args, results, key="PostgreSQL", database_url=database_url, workdir=workdir)
    if "replay" in phases:
        with _phase(results, "replay"), _tempdir("save-offers-bench-") as workdir:
            results.replay = replay_figures(args.replay_rows, workdir, _log)
    if "audit-sqlite" in phases:
        with _phase(results, "audit sqlite"), _tempdir("save-offers-bench-") as workdir:
            url = f"sqlite:///{workdir / 'audit.db'}"
            results.audit["SQLite"] = audit_figures(url, args.audit_rows, workdir, _log)
    if "audit-postgres" in phases:
        with (
            _phase(results, "audit postgres"),
            _tempdir("save-offers-bench-") as workdir,
            throwaway_postgres() as database_url,
        ):
            results.audit["PostgreSQL"] = audit_figures(database_url, args.audit_rows, workdir, _log)
    return results


# --- the table -----------------------------------------------------------------------------------


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT MET")


def _fmt(value: float | None, spec: str = ".1f", suffix: str = "") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:{spec}}{suffix}"


def _ratios(row: dict[str, Any], opa: dict[str, Any] | None) -> dict[str, float | None]:
    if not opa or "per_second" not in opa:
        return {"throughput_share": None, "p99_ratio": None, "c1_p50_ratio": None}
    return {
        "throughput_share": row["per_second"] / opa["per_second"],
        "p99_ratio": row["p99_ms"] / opa["p99_ms"],
        "c1_p50_ratio": row["c1_p50_ms"] / opa["c1_p50_ms"],
    }


def _goal(value: float | None, ok: Callable[[float], bool], spec: str) -> str:
    return "-" if value is None else f"{spec.format(value)} {_verdict(ok(value))}"


def _decide_table(args: argparse.Namespace, results: Results) -> list[str]:
    out = [
        f"decide: POST /v1/save-cases, {args.requests} requests per target at concurrency {args.concurrency} after "
        f"{args.warmup} warm-up, {args.c1_requests} at concurrency 1; direct OPA: POST /v1/data/retention/decision "
        "with the enriched input the service sent",
        f"{'target':<24}{'dec/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'c1 p50 ms':>10}{'CPU ms':>8}"
        f"{'dec/s vs OPA':>17}{'p99 vs OPA':>15}{'c1 p50 vs OPA':>15}",
        f"{'':<24}{'':>7}{'':>8}{'':>8}{'':>10}{'/dec':>8}{'goal >= 50%':>17}{'goal <= 3x':>15}{'goal <= 3x':>15}",
    ]
    opa = results.opa if results.opa and "per_second" in results.opa else None
    for row in [*results.decide, *([opa] if opa else [])]:
        r = _ratios(row, opa) if row is not opa else dict.fromkeys(("throughput_share", "p99_ratio", "c1_p50_ratio"))
        out.append(
            f"{row['target']:<24}{row['per_second']:>7.1f}{row['p50_ms']:>8.1f}{row['p99_ms']:>8.1f}"
            f"{row['c1_p50_ms']:>10.2f}{_fmt(row['cpu_ms_per_decision'], '.2f'):>8}"
            f"{_goal(r['throughput_share'], lambda v: v >= THROUGHPUT_SHARE_GOAL, '{:.0%}'):>17}"
            f"{_goal(r['p99_ratio'], lambda v: v <= P99_RATIO_GOAL, '{:.1f}x'):>15}"
            f"{_goal(r['c1_p50_ratio'], lambda v: v <= C1_P50_RATIO_GOAL, '{:.1f}x'):>15}"
        )
    out.append(
        "c1 p50: median latency at concurrency 1. CPU ms/dec: utime+stime of the process and its children "
        "(/proc/<pid>/stat) over the measured run, per decision."
    )
    if opa and opa.get("eval"):
        out.append(eval_line(opa["eval"]) + " (the decision document carries the alternatives)")
    extra = [row for row in results.decide if row.get("opa_cpu_ms_per_decision") is not None]
    if extra:
        out.append(
            "OPA CPU ms per service decision (on top of the service's): "
            + ", ".join(f"{row['target']} {row['opa_cpu_ms_per_decision']:.2f}" for row in extra)
        )
    for row in results.decide:
        if shadow := row.get("shadow"):
            out.append(
                f"{row['target']}: the shadow OPA is a second process on the same two cores; of its evaluations "
                f"{shadow['written']} written, {shadow['dropped']} dropped (SHADOW_MAX_PENDING), "
                f"{shadow['failed']} failed, {shadow['pending']} pending at the end"
            )
    split = [row for row in results.decide if row.get("workers", 1) > 1 and row.get("worker_cpu_ms_per_decision")]
    if split:
        out.append(
            "CPU ms/dec by worker process: "
            + "; ".join(f"{row['target']} {row['worker_cpu_ms_per_decision']}" for row in split)
        )
    return out


def _pages_table(args: argparse.Namespace, results: Results) -> list[str]:
    rows = results.pages
    first = next(iter(rows.values()))
    out = [
        f"decision log pages at {first['seeding']['rows']:,} rows: GET /v1/decisions (limit 50) one at a time as "
        f"u-admin, ~{args.page_requests} reads per filter: walks of a first page and up to {args.page_depth - 1} "
        "next_cursor pages; ms",
        f"{'filter':<17}"
        + "".join(
            f"{'':>3}{key:<12}{'p50':>6}{'p95 (goal < 50)':>19}{'first p95':>10}{'cursor p95':>11}" for key in rows
        ),
    ]
    names = list(dict.fromkeys(name for key in rows for name in rows[key]["filters"]))
    for name in names:
        cells = ""
        for key in rows:
            f = rows[key]["filters"].get(name, {})
            if "p95_ms" not in f:
                cells += f"{'':>15}{'-':>6}{'-':>19}{'-':>10}{'-':>11}"
                continue
            verdict = _goal(f["p95_ms"], lambda v: v < PAGE_P95_GOAL_MS, "{:.1f}")
            cells += f"{'':>15}{f['p50_ms']:>6.1f}{verdict:>19}"
            cells += f"{_fmt(f['first_p95_ms']):>10}{_fmt(f['cursor_p95_ms']):>11}"
        out.append(f"{name:<17}{cells}")
    out.append(
        f"{'all filters':<17}"
        + "".join(
            f"{'':>15}{'':>6}{_goal(rows[key]['p95_ms'], lambda v: v < PAGE_P95_GOAL_MS, '{:.1f}'):>19}{'':>21}"
            for key in rows
        )
    )
    out.append(
        "first p95: pages without a cursor; cursor p95: next_cursor pages (no page counts the total unless asked)."
    )
    seeding = []
    for key, value in rows.items():
        text = f"{key} {value['seeding']['seconds']:.0f} s ({value['seeding']['rows_per_second']:,.0f} rows/s)"
        if "vacuum_analyze_seconds" in value["seeding"]:
            text += f", then VACUUM (ANALYZE) {value['seeding']['vacuum_analyze_seconds']:.0f} s"
        seeding.append(text)
    out.append("seeded by scripts/seed_decisions.py: " + "; ".join(seeding))
    return out


def _programme_table(args: argparse.Namespace, results: Results) -> list[str]:
    rows = results.programme
    first = next(iter(rows.values()))["seeding"]
    out = [
        f"programme metrics at {first['cases']:,} save cases (a decision, a case and a facts row each) and "
        f"{first['events']:,} outcome events: app.programme.metrics.programme in process, one read session per "
        f"call; the first call, then the median and max of {args.programme_runs} more; ms",
        f"{'query':<21}{'cases':>10}"
        + "".join(
            f"{'':>3}{key:<11}{'first':>7}{'median':>8}{f'max (goal < {PROGRAMME_GOAL_MS[key]:.0f})':>20}"
            for key in rows
        ),
    ]
    names = list(dict.fromkeys(name for key in rows for name in rows[key]["queries"]))
    for name in names:
        counted = next((rows[key]["queries"][name]["cases"] for key in rows if name in rows[key]["queries"]), None)
        cells = ""
        for key in rows:
            q = rows[key]["queries"].get(name)
            if q is None:
                cells += f"{'':>14}{'-':>7}{'-':>8}{'-':>20}"
                continue
            goal = PROGRAMME_GOAL_MS[key]
            cells += f"{'':>14}{q['first_ms']:>7.0f}{q['median_ms']:>8.0f}"
            cells += f"{_goal(q['max_ms'], lambda v, goal=goal: v < goal, '{:.0f}'):>20}"
        out.append(f"{name:<21}{_fmt(counted, ','):>10}{cells}")
    out.append(
        "cases: save requests the filter selects. Goal: every measured call under 1 s on PostgreSQL, 2 s on SQLite."
    )
    seeding = []
    for key, value in rows.items():
        s = value["seeding"]
        text = f"{key} {s['seconds']:.0f} s ({s['cases_per_second']:,.0f} cases/s)"
        if "vacuum_analyze_seconds" in s:
            text += f", then VACUUM (ANALYZE) {s['vacuum_analyze_seconds']:.0f} s"
        seeding.append(text)
    out.append("seeded by scripts/seed_programme.py: " + "; ".join(seeding))
    s = first
    out.append(
        f"the seeded mix: {s['routed']:,} routed, {s['authorized']:,} authorized, {s['presented']:,} presented, "
        f"{s['accepted']:,} accepted, {s['saved']:,} saves ({s['confirmed']:,} confirmed), {s['lost']:,} lost, "
        f"{s['regretted']:,} regretted"
    )
    return out


def table(args: argparse.Namespace, results: Results, info: dict[str, Any]) -> str:
    m = info["machine"]
    out = [
        f"machine: {m['cores']} cores, {m['cpu_model']}, {m['ram_gib']} GiB RAM; load average at start "
        f"{m['load_average'][0]:.2f} (1 min), at the end {info['load_average_end'][0]:.2f}",
        f"OPA: {info['opa']}; wall time {info['wall_seconds'] / 60:.1f} min",
    ]
    if results.decide or (results.opa and "per_second" in results.opa):
        out += ["", *_decide_table(args, results)]
    if results.memory:
        mem = results.memory
        out += [
            "",
            f"memory (SQLite, 1 process): VmRSS {mem['rss_bytes'] / 2**20:.1f} MiB after {mem['decisions']:,} "
            f"decisions; growth from {mem['half']:,} to {mem['decisions']:,}: {mem['growth_bytes'] / 2**20:+.1f} MiB "
            f"({mem['rss_after_measured_run'] / 2**20:.1f} MiB after the first {mem['after']:,})",
        ]
    if results.pages:
        out += ["", *_pages_table(args, results)]
    if results.programme:
        out += ["", *_programme_table(args, results)]
    if results.replay:
        out += ["", *replay_table(results.replay, _verdict)]
    if results.audit:
        out += ["", *audit_table(results.audit, _verdict)]
    if results.load:
        out += [
            "",
            "1-minute load average at the end of each phase (2 = both cores busy): "
            + ", ".join(f"{name} {load:.1f}" for name, load in results.load.items()),
        ]
    out += [f"FAILED {failure}" for failure in results.failures]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small counts, 20,000-row pages, 50,000-case programme, no 20,000-decision RSS run",
    )
    parser.add_argument("--requests", type=int, help="measured requests per target at --concurrency (2000; quick 200)")
    parser.add_argument("--warmup", type=int, help="unmeasured requests per target first (100; quick 20)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--c1-requests", type=int, help="measured requests at concurrency 1 (300; quick 50)")
    parser.add_argument("--rss-decisions", type=int, default=20_000, help="decisions before the last RSS reading")
    parser.add_argument("--page-rows", type=int, help="rows seeded for the page reads (1,000,000; quick 20,000)")
    parser.add_argument("--page-requests", type=int, help="measured page reads per filter (200; quick 20)")
    parser.add_argument("--page-depth", type=int, default=5, help="pages per walk: a first page and its cursor pages")
    parser.add_argument("--page-warmup", type=int, default=5, help="unmeasured page reads per filter first")
    parser.add_argument(
        "--programme-cases", type=int, help="save cases seeded for the programme metrics (1,000,000; quick 50,000)"
    )
    parser.add_argument(
        "--programme-events", type=int, help="outcome events seeded for the programme metrics (300,000; quick 15,000)"
    )
    parser.add_argument(
        "--programme-runs", type=int, help="measured calls per programme query, after the first (5; quick 3)"
    )
    parser.add_argument(
        "--replay-rows", type=int, help="logged decisions seeded for the impact replay (100,000; quick 5,000)"
    )
    parser.add_argument(
        "--audit-rows", type=int, help="chained decisions the audit verifier reads (1,000,000; quick 20,000)"
    )
    parser.add_argument(
        "--only",
        type=lambda s: [p.strip() for p in s.split(",") if p.strip()],
        default=None,
        help=f"comma-separated phases to run, of {', '.join(PHASES)} (all by default; --quick skips memory)",
    )
    parser.add_argument(
        "--recycle",
        type=int,
        default=10,
        help="each client connection closes after this many requests, to spread over workers (0: never)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--opa-url",
        help=(
            "use this OPA server instead of starting one; it must serve a revision-stamped bundle of policies/ "
            "(python -m app.policy.bundle --out DIR); its CPU time is then not measured"
        ),
    )
    args = parser.parse_args()
    quick = args.quick
    for name, full, small in (
        ("requests", 2000, 200),
        ("warmup", 100, 20),
        ("c1_requests", 300, 50),
        ("page_rows", 1_000_000, 20_000),
        ("page_requests", 200, 20),
        ("programme_cases", 1_000_000, 50_000),
        ("programme_events", 300_000, 15_000),
        ("programme_runs", 5, 3),
        ("replay_rows", 100_000, 5_000),
        ("audit_rows", 1_000_000, 20_000),
    ):
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    if args.only is None:
        args.only = [p for p in PHASES if not (quick and p == "memory")]
    unknown = set(args.only) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases {sorted(unknown)}; choose from {', '.join(PHASES)}")

    # SIGTERM (timeout, kill) unwinds like Ctrl-C, so that every phase stops its processes and removes its files.
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.perf_counter()
    info: dict[str, Any] = {"machine": machine()}
    with _tempdir("save-offers-bench-opa-") as workdir:
        if args.opa_url:
            info["opa"] = args.opa_url
            results = run(args, args.opa_url.rstrip("/"), None)
        else:
            port = free_port()
            with opa_server(workdir, port) as opa:
                info["opa"] = f"standalone, {opa_url_of(port)}"
                results = run(args, opa_url_of(port), opa)
    info["wall_seconds"] = time.perf_counter() - started
    info["load_average_end"] = machine()["load_average"]
    if args.json:
        opa = results.opa if results.opa and "per_second" in results.opa else None
        rows = [{**row, **_ratios(row, opa)} for row in results.decide]
        print(
            json.dumps(
                {
                    "rows": rows + ([{k: v for k, v in opa.items() if k != "input"}] if opa else []),
                    "opa_to_service_throughput_ratio": (opa["per_second"] / rows[0]["per_second"])
                    if opa and rows
                    else None,
                    "memory": results.memory,
                    "pages": results.pages,
                    "programme": results.programme,
                    "replay": results.replay,
                    "audit": results.audit,
                    "failures": results.failures,
                    "load_average_by_phase": results.load,
                    "concurrency": args.concurrency,
                    "warmup": args.warmup,
                    **info,
                },
                indent=2,
            )
        )
    else:
        print(table(args, results, info))
    return 1 if results.failures else 0


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def opa_url_of(port: int) -> str:
    return f"http://127.0.0.1:{port}"


if __name__ == "__main__":
    sys.exit(main())
