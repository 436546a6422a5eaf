#!/usr/bin/env python3
"""Fill a database with realistic decisions, for measuring the decision log at scale.

    .venv/bin/python scripts/seed_decisions.py --database-url sqlite:///var/scale.db --rows 1000000

The rows are what the service writes: evidence assembled from the canonical
examples with varied accounts, segments, offers and times over a year, decided by
the real policy (one `opa eval` per example and offer variant, then reused),
under several policy revisions, some cases revised once or twice. The schema is
migrated first; rows go in with batched multi-row inserts.
"""

import argparse
import json
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert  # noqa: E402

from app.audit.chain import append_rows  # noqa: E402
from app.cases.evidence import assemble_evidence  # noqa: E402
from app.cases.schemas import SaveCaseCreate  # noqa: E402
from app.database import sync_url  # noqa: E402
from app.decisions.models import Decision  # noqa: E402
from app.migrations_runner import upgrade_to_head  # noqa: E402
from app.policy.schemas import NO_HISTORY  # noqa: E402

OPA = ROOT / ".tools" / "bin" / "opa"
EXAMPLES = ("service-recovery", "price-discount", "pause-unclear")
REVISIONS = ("sha256-2026q1", "sha256-2026q2", "sha256-2026q3", "sha256-2026q4")
SEGMENTS = ("smb", "mid_market", "enterprise")
END = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _variants() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(policy input, decision document) pairs: each example under a few offers, decided by the real policy."""
    pairs = []
    for name in EXAMPLES:
        example = json.loads((ROOT / "examples" / f"save-case-{name}.json").read_text())
        for discount in (0, 8, 15, 22, 35):
            case = json.loads(json.dumps(example))
            if discount and case["proposed_offer"]["type"] == "discount":
                case["proposed_offer"]["discount_pct"] = discount
            policy_input = assemble_evidence(
                case=SaveCaseCreate.model_validate(case), decision_time=END, history=NO_HISTORY
            ).model_dump(mode="json")
            result = subprocess.run(
                [str(OPA), "eval", "-d", str(ROOT / "policies"), "-I", "--format", "json", "data.retention.decision"],
                input=json.dumps(policy_input),
                capture_output=True,
                text=True,
                check=True,
            )
            decision = json.loads(result.stdout)["result"][0]["expressions"][0]["value"]
            pairs.append((policy_input, decision))
    return pairs


def _rows(count: int, *, seed: int) -> Any:
    rng = random.Random(seed)
    variants = _variants()
    accounts = [f"acct-{n:06d}" for n in range(max(count // 50, 10))]
    span = timedelta(days=365).total_seconds()
    case_id = None
    for n in range(count):
        policy_input, decision = rng.choice(variants)
        at = END - timedelta(seconds=rng.random() * span)
        account = rng.choice(accounts)
        evidence = {**policy_input, "case": {**policy_input["case"], "account": {**policy_input["case"]["account"]}}}
        evidence["case"]["account"]["id"] = account
        evidence["case"]["account"]["segment"] = rng.choice(SEGMENTS)
        decision_id = str(uuid.uuid4())
        # About one decision in six revises the case before it.
        case_id = case_id if case_id and rng.random() < 1 / 6 else decision_id
        source = evidence["case"]["source"]
        yield {
            "id": decision_id,
            "source": source,
            "event_id": f"seed-{n}",
            "account_id": account,
            "outcome": decision["outcome"],
            "payload_raw": json.dumps(evidence["case"]),
            "payload_sha256": f"{n:064x}",
            "policy_input": evidence,
            "decision": decision,
            "policy_revision": REVISIONS[min(int((END - at).days // 92), 3)],
            "opa_decision_id": None,
            "decision_time": at,
            "recorded_at": at,
            "latency_ms": round(rng.uniform(2, 20), 3),
            "case_id": case_id,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    upgrade_to_head(args.database_url)
    engine = create_engine(sync_url(args.database_url))
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    written = 0
    with engine.begin() as conn:
        for row in _rows(args.rows, seed=args.seed):
            batch.append(row)
            if len(batch) == args.batch:
                append_rows(conn, chain="decisions", rows=batch)
                conn.execute(insert(Decision.__table__), batch)
                written += len(batch)
                batch.clear()
                if written % 100_000 == 0:
                    print(f"{written} rows, {written / (time.perf_counter() - started):.0f}/s", file=sys.stderr)
        if batch:
            append_rows(conn, chain="decisions", rows=batch)
            conn.execute(insert(Decision.__table__), batch)
            written += len(batch)
    engine.dispose()
    print(f"seeded {written} decisions in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
