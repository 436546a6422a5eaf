"""The audit phases of scripts/benchmark.py: the verifier over a large chained decision log.

audit-sqlite, audit-postgres: --audit-rows (1,000,000; quick 20,000) decisions, made from the
rows scripts/seed_decisions.py writes (2,000 distinct evidence/decision pairs decided by the real
policy, each reused with a new id, event and time), chained as the service chains them and
inserted in batches; then `python -m app.audit verify` in its own process: rows verified per
second (wall time of the command, start-up included) and its peak RSS. A signed checkpoint of the
whole log is taken after it (python -m app.audit checkpoint, which verifies the rows it signs).
"""

import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmark_support import PYTHON, ROOT
from seed_decisions import _rows as seeded_rows
from sqlalchemy import create_engine, insert

from app.audit.chain import append_rows
from app.database import sync_url
from app.decisions.models import Decision
from app.migrations_runner import upgrade_to_head

TEMPLATES = 2_000
BATCH = 5_000
VERIFY_GOAL_RSS_MIB = 512  # a million rows verified within a small fraction of this machine's memory


def _seed(database_url: str, rows: int, log: Callable[[str], None]) -> float:
    upgrade_to_head(database_url)
    templates = list(seeded_rows(min(rows, TEMPLATES), seed=11))
    engine = create_engine(sync_url(database_url))
    started = time.perf_counter()
    try:
        for start in range(0, rows, BATCH):
            batch = []
            for n in range(start, min(start + BATCH, rows)):
                template = templates[n % len(templates)]
                at = template["recorded_at"] + timedelta(milliseconds=n)
                batch.append(
                    {**template, "id": str(uuid.uuid4()), "event_id": f"bench-{n}", "recorded_at": at, "case_id": None}
                )
            with engine.begin() as connection:
                append_rows(connection, chain="decisions", rows=batch, written=True)
                connection.execute(insert(Decision.__table__), batch)
            done = start + BATCH
            if done % 200_000 == 0:
                log(f"audit: {done:,} chained rows, {done / (time.perf_counter() - started):,.0f}/s")
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _audit_command(database_url: str, workdir: Path, *args: str) -> tuple[str, float, int]:
    """Run python -m app.audit in its own process: its output, wall seconds and peak RSS in bytes."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AUDIT_CHECKPOINT_DIR": str(workdir / "checkpoints"),
        "RELEASE_KEY_DIR": str(workdir / "keys"),
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(PYTHON), "-m", "app.audit", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    out, err = process.stdout.read(), process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"python -m app.audit {' '.join(args)} exited {process.returncode}\n{err[-2000:]!r}")
    return out.decode(), wall, usage.ru_maxrss * 1024


def audit_figures(database_url: str, rows: int, workdir: Path, log: Callable[[str], None]) -> dict[str, Any]:
    """Seed a chained log of `rows` decisions, then verify it and sign a checkpoint of it."""
    seconds = _seed(database_url, rows, log)
    log(f"audit: seeded and chained {rows:,} decisions in {seconds:.0f} s")
    if database_url.startswith("postgresql"):
        engine = create_engine(sync_url(database_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql("VACUUM ANALYZE decisions")
        engine.dispose()
    report, wall, rss = _audit_command(database_url, workdir, "verify", "--json")
    decisions = next(chain for chain in json.loads(report) if chain["chain"] == "decisions")
    if decisions["first_break"] is not None or decisions["rows"] != rows:
        raise RuntimeError(f"the seeded log did not verify: {decisions}")
    log(f"audit: verified {rows:,} rows in {wall:.1f} s, {rows / wall:,.0f} rows/s, peak RSS {rss / 2**20:.0f} MiB")
    _, checkpoint_wall, _ = _audit_command(database_url, workdir, "checkpoint")
    return {
        "rows": rows,
        "seed_seconds": seconds,
        "chained_inserts_per_second": rows / seconds,
        "verify_seconds": wall,
        "verify_rows_per_second": rows / wall,
        "verify_peak_rss_bytes": rss,
        "first_checkpoint_seconds": checkpoint_wall,
    }


def audit_table(figures: dict[str, dict[str, Any]], verdict: Callable[[bool | None], str]) -> list[str]:
    out = ["audit (python -m app.audit verify, its own process; wall time including start-up):"]
    for key, f in figures.items():
        ok = f["verify_peak_rss_bytes"] / 2**20 < VERIFY_GOAL_RSS_MIB
        out.append(
            f"  {key:<11}{f['rows']:>10,} rows verified in {f['verify_seconds']:.1f} s = "
            f"{f['verify_rows_per_second']:>7,.0f} rows/s, peak RSS {f['verify_peak_rss_bytes'] / 2**20:.0f} MiB "
            f"(< {VERIFY_GOAL_RSS_MIB} MiB: {verdict(ok)}); first checkpoint (verifies all) "
            f"{f['first_checkpoint_seconds']:.1f} s; seeding chained {f['chained_inserts_per_second']:,.0f} rows/s"
        )
    return out
