"""python -m app.impact --base origin/main --candidate . --out report.md [--from 2026-01-01 --to 2026-07-01]

Exit status: 0 when the candidate loosens nothing, 3 when it loosens (routes a logged case or probe the
base paused or declined, or drops an approver role from a chain), 2 on a usage or runtime error.
"""

import argparse
import asyncio
import dataclasses
import json
import resource
import sys
from datetime import UTC, datetime
from pathlib import Path

from app.config import PROJECT_ROOT, get_settings
from app.database import create_engine
from app.impact.codec import json_loads
from app.impact.replay import Period
from app.impact.report import render
from app.impact.run import Impact, run_impact
from app.impact.sources import PolicySources

LOOSENS = 3


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.impact", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="git ref or directory of the current policy")
    parser.add_argument("--candidate", default=str(PROJECT_ROOT), help="git ref or directory of the proposed policy")
    parser.add_argument("--candidate-label", help="how the report names the candidate (default: --candidate)")
    parser.add_argument("--database-url", help="decision log to replay (default: the DATABASE_URL setting)")
    parser.add_argument("--from", dest="start", type=_moment, help="replay decisions at or after this time")
    parser.add_argument("--to", dest="end", type=_moment, help="replay decisions before this time")
    parser.add_argument("--out", type=Path, help="write the Markdown report here (default: stdout)")
    parser.add_argument("--batch", type=int, default=1000, help="decisions read from the log per page")
    parser.add_argument("--repo", type=Path, default=PROJECT_ROOT, help="git repository the refs belong to")
    parser.add_argument(
        "--decide-base",
        action="store_true",
        help="decide every input under the base, also those the log holds a decision of the base's files for",
    )
    parser.add_argument(
        "--shadow",
        action="store_true",
        help="compare the live decisions with those the shadow release made (SHADOW_RELEASE) instead of replaying;"
        " --candidate is then that release (its .tar.gz, a ref or a directory) for the changes and probes",
    )
    parser.add_argument("--stats", action="store_true", help="print the replay's rate and peak memory as JSON (stderr)")
    return parser


async def _run(args: argparse.Namespace) -> Impact:
    settings = get_settings()
    sources = PolicySources(args.repo)
    engine = create_engine(args.database_url or settings.database_url, json_deserializer=json_loads)
    try:
        return await run_impact(
            opa=settings.opa_binary,
            engine=engine,
            base=sources.resolve(args.base),
            candidate=dataclasses.replace(
                sources.resolve(args.candidate), label=args.candidate_label or args.candidate
            ),
            period=Period(args.start, args.end),
            batch=args.batch,
            reuse_logged=not args.decide_base,
            shadow=args.shadow,
        )
    finally:
        await engine.dispose()
        sources.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        impact = asyncio.run(_run(args))
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"impact: {exc}", file=sys.stderr)
        return 2
    report = render(impact)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    t = impact.tally
    print(
        f"impact: {t.replayed} replayed, {t.refused} refused, loosens: {'yes' if impact.loosens else 'no'}",
        file=sys.stderr,
    )
    if args.stats:
        # ru_maxrss is in KiB on Linux: the command's own peak, the OPAs' peaks beside it.
        stats = {
            "logged": t.logged,
            "replayed": t.replayed,
            "base_from_log": t.base_from_log,
            "replay_seconds": impact.replay_seconds,
            "per_second": t.logged / impact.replay_seconds if impact.replay_seconds else None,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "opa_peak_rss_bytes": impact.opa_peak_rss_bytes,
            "cpu_seconds": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
            "opa_cpu_seconds": impact.opa_cpu_seconds,
        }
        print(json.dumps(stats), file=sys.stderr)
    return LOOSENS if impact.loosens else 0


if __name__ == "__main__":
    raise SystemExit(main())
