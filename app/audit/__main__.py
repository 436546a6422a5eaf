"""python -m app.audit verify | checkpoint | prove DECISION_ID | redact DECISION_ID.

verify exits 0 when every chain holds, 1 naming the first broken link of each chain that does not.
"""

import argparse
import json
import sys
from datetime import UTC, datetime

from app.audit import service
from app.audit.jobs import audit_connection, build_proof, sign_checkpoint
from app.audit.setup import sync_engine
from app.config import get_settings
from app.errors import ServiceError


def _verify(as_json: bool) -> int:
    settings = get_settings()
    with audit_connection(settings) as (connection, signed):
        results = service.verify(connection=connection, signed=signed)
    broken = [r for r in results if r.first_break is not None]
    if as_json:
        print(json.dumps([_as_dict(r) for r in results], indent=2))
    else:
        print(f"checkpoints: {len(signed)} in {settings.audit_checkpoint_dir}")
        for r in results:
            state = service.describe(r.first_break) if r.first_break else "intact"
            print(
                f"{r.chain}: {r.rows} rows verified, signed through seq {r.checkpointed_seq}, "
                f"{r.redacted} redacted — {state}"
            )
    return 1 if broken else 0


def _as_dict(result: service.ChainResult) -> dict[str, object]:
    found = result.first_break
    return {
        "chain": result.chain,
        "rows": result.rows,
        "head_seq": result.head_seq,
        "checkpointed_seq": result.checkpointed_seq,
        "redacted": result.redacted,
        "first_break": None
        if found is None
        else {"seq": found.seq, "row_id": found.row_id, "kind": found.kind, "detail": found.detail},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.audit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="recompute the chains against the signed checkpoints")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    commands.add_parser("checkpoint", help="sign the current chain heads now")
    prove = commands.add_parser("prove", help="print the inclusion proof of a decision")
    prove.add_argument("decision_id")
    redact = commands.add_parser("redact", help="erase a decision's personal fields (DATABASE_OWNER_URL's role)")
    redact.add_argument("decision_id")
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        if args.command == "verify":
            return _verify(args.json)
        if args.command == "checkpoint":
            print(sign_checkpoint(settings, datetime.now(UTC)).location)
        elif args.command == "prove":
            print(json.dumps(build_proof(settings, args.decision_id), indent=2, sort_keys=True))
        else:
            with sync_engine(settings.database_owner_url or settings.database_url).begin() as connection:
                done = service.redact_decision(connection=connection, decision_id=args.decision_id)
            print("redacted" if done else "already redacted")
    except ServiceError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
