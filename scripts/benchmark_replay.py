"""The replay phase of scripts/benchmark.py: the impact report's replay of a seeded decision log.

Seeds --replay-rows decisions with scripts/seed_decisions.py on SQLite, then runs
`python -m app.impact --stats` twice against a candidate with credit.finance_over_pct 5 -> 3:

  decided   every input decided under both policies (the seeded revisions are not the base's files);
  from log  the log stamped with the base's content revision, so the base decisions are read from the
            log and only the candidate decides. The seeded decision documents were not made for the
            seeded inputs (the seeder varies the segment after deciding), so this run measures the
            rate only; its report is not meaningful.

Each run reports its replay rate (logged decisions per second over the replay, probes excluded), its
wall time, and the peak RSS of the command and of its two OPAs.
"""

import json
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmark_support import PYTHON, ROOT

from app.migrations_runner import upgrade_to_head
from app.policy.bundle import policy_revision

REPLAY_GOAL_SECONDS = 60.0  # 100,000 logged decisions replayed in under a minute
REPLAY_GOAL_ROWS = 100_000


def _candidate(workdir: Path) -> Path:
    target = workdir / "candidate"
    shutil.copytree(ROOT / "policies", target / "policies")
    shutil.copytree(ROOT / "policy_schemas", target / "policy_schemas")
    config_path = target / "policies" / "retention" / "config" / "data.json"
    config = json.loads(config_path.read_text())
    config["credit"]["finance_over_pct"] = 3
    config_path.write_text(json.dumps(config, indent=2))
    return target


def _impact(database: Path, candidate: Path, workdir: Path, label: str) -> dict[str, Any]:
    started = time.perf_counter()
    completed = subprocess.run(
        [
            str(PYTHON),
            "-m",
            "app.impact",
            "--base",
            str(ROOT / "policies"),
            "--candidate",
            str(candidate),
            "--database-url",
            f"sqlite:///{database}",
            "--out",
            str(workdir / f"report-{label}.md"),
            "--stats",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if completed.returncode not in (0, 3):
        raise RuntimeError(f"app.impact exited {completed.returncode}\n{completed.stderr[-2000:]}")
    stats: dict[str, Any] = json.loads(completed.stderr.strip().splitlines()[-1])
    return {**stats, "wall_seconds": wall}


def replay_figures(rows: int, workdir: Path, log: Callable[[str], None]) -> dict[str, Any]:
    database = workdir / "replay.db"
    started = time.perf_counter()
    seed_command = [str(PYTHON), str(ROOT / "scripts" / "seed_decisions.py"), "--database-url", f"sqlite:///{database}"]
    seed = subprocess.run(
        [*seed_command, "--rows", str(rows)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if seed.returncode:
        raise RuntimeError(f"seed_decisions.py exited {seed.returncode}\n{seed.stderr[-2000:]}")
    log(f"seeded {rows} decisions in {time.perf_counter() - started:.0f} s")
    candidate = _candidate(workdir)
    figures: dict[str, Any] = {"rows": rows}
    figures["decided"] = _impact(database, candidate, workdir, "decided")
    log(f"replay, both decided: {figures['decided']['per_second']:.0f} decisions/s")
    revision = policy_revision(ROOT / "policies")
    # The log is append-only (a trigger refuses UPDATE): the stamped copy is a second, migrated database.
    stamped = workdir / "replay-stamped.db"
    upgrade_to_head(f"sqlite:///{stamped}")
    with sqlite3.connect(stamped) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(decisions)")]
        picked = ", ".join("? AS policy_revision" if c == "policy_revision" else c for c in columns)
        conn.execute("ATTACH DATABASE ? AS seeded", (str(database),))
        conn.execute(
            f"INSERT INTO decisions ({', '.join(columns)}) SELECT {picked} FROM seeded.decisions",
            (f"bench@{revision}",),
        )
    figures["from_log"] = _impact(stamped, candidate, workdir, "from-log")
    log(f"replay, base from the log: {figures['from_log']['per_second']:.0f} decisions/s")
    return figures


def replay_table(figures: dict[str, Any], verdict: Callable[[bool | None], str]) -> list[str]:
    rows = figures["rows"]
    out = [f"replay (python -m app.impact) of {rows:,} seeded logged decisions on SQLite, candidate finance 5 -> 3:"]
    for key, label in (("decided", "both policies decide"), ("from_log", "base read from the log")):
        f = figures[key]
        seconds = f["replay_seconds"]
        at_goal = REPLAY_GOAL_ROWS / f["per_second"] if f["per_second"] else None
        ok = None if at_goal is None else at_goal < REPLAY_GOAL_SECONDS
        opa = "/".join(f"{(b or 0) / 2**20:.0f}" for b in f["opa_peak_rss_bytes"])
        # CPU of the whole command (probes and start-up included) per logged decision: where the time goes.
        opa_ms = sum(c or 0 for c in f["opa_cpu_seconds"]) * 1000 / max(f["logged"], 1)
        python_ms = f["cpu_seconds"] * 1000 / max(f["logged"], 1)
        out.append(
            f"  {label:<24}{f['per_second']:>8,.0f} decisions/s, replay {seconds:.1f} s "
            f"(wall {f['wall_seconds']:.1f} s); CPU ms/decision: OPAs {opa_ms:.2f}, command {python_ms:.2f}; "
            f"peak RSS {f['peak_rss_bytes'] / 2**20:.0f} MiB, OPAs {opa} MiB; "
            f"100,000 in < 60 s: {verdict(ok)}"
        )
    return out
