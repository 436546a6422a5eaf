"""The impact run: resolve both policies, diff them, replay the log, probe the thresholds, check invariants."""

import asyncio
import dataclasses
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.impact.changes import DataChange, RuleChange, data_changes, rule_changes
from app.impact.opa import ReplayOpa
from app.impact.probes import Probe, larger_discount, probes_for
from app.impact.replay import Period, decide_both, input_validator, replay
from app.impact.sources import PolicyTree
from app.impact.tally import Tally
from app.policy.bundle import policy_revision


@dataclass(frozen=True)
class ProbeResult:
    probe: Probe
    base: dict[str, Any]
    candidate: dict[str, Any]


@dataclass
class Impact:
    base: PolicyTree
    candidate: PolicyTree
    period: Period
    data: list[DataChange]
    rules: list[RuleChange]
    tally: Tally
    # Probes decide generated cases, never logged ones: their counts are kept apart from the replay's.
    probe_tally: Tally
    probes: dict[str, list[ProbeResult]] = field(default_factory=dict)
    unprobed: list[str] = field(default_factory=list)
    shadow: bool = False  # compared with stored shadow decisions instead of replayed
    replay_seconds: float = 0.0
    opa_peak_rss_bytes: list[int | None] = field(default_factory=list)
    opa_cpu_seconds: list[float | None] = field(default_factory=list)

    @property
    def loosens(self) -> bool:
        return self.tally.loosens or self.probe_tally.loosens


def _new_tally(candidate: PolicyTree) -> Tally:
    config = json.loads(candidate.config_path.read_text(encoding="utf-8"))
    return Tally(
        owner_role=config["approval"]["owner_role"],
        costed_offer_types=frozenset(config["evidence"]["costed_offer_types"]),
    )


async def _probe(impact: Impact, base: ReplayOpa, candidate: ReplayOpa) -> None:
    for change in impact.data:
        probes = probes_for(change)
        if probes is None:
            impact.unprobed.append(change.path)
            continue
        old, new = await decide_both(base, candidate, [p.policy_input for p in probes])
        results = [ProbeResult(p, b, c) for p, b, c in zip(probes, old, new, strict=True)]
        impact.probes[change.path] = results
        for result in results:
            impact.probe_tally.add(result.probe.subject, result.probe.policy_input, result.base, result.candidate)
        if change.path.startswith("discount."):
            ordered = sorted(results, key=lambda r: r.probe.policy_input["case"]["proposed_offer"]["discount_pct"])
            for smaller, larger in itertools.pairwise(ordered):
                impact.probe_tally.check_larger_discount(larger.probe.subject, smaller.candidate, larger.candidate)


async def _discount_pairs(tally: Tally, candidate: ReplayOpa, sample: list[tuple[str, dict[str, Any]]]) -> None:
    pairs = [(subject, original, larger) for subject, original in sample if (larger := larger_discount(original))]
    if not pairs:
        return
    decided = await candidate.decide([p[1] for p in pairs] + [p[2] for p in pairs])
    for (subject, _, _), smaller, larger in zip(pairs, decided[: len(pairs)], decided[len(pairs) :], strict=True):
        tally.check_larger_discount(f"{subject} (+5 points)", smaller, larger)


async def _explain_examples(tally: Tally, base: ReplayOpa, candidate: ReplayOpa) -> None:
    """Fill in the rule ids that fired for each example the log did not already explain."""
    for cell, examples in tally.examples.items():
        if all(e.base_rules is not None and e.candidate_rules is not None for e in examples):
            continue
        base_rules, candidate_rules = await asyncio.gather(
            base.explain([e.policy_input for e in examples]), candidate.explain([e.policy_input for e in examples])
        )
        tally.examples[cell] = [
            dataclasses.replace(
                e,
                base_rules=e.base_rules if e.base_rules is not None else old,
                candidate_rules=e.candidate_rules if e.candidate_rules is not None else new,
            )
            for e, old, new in zip(examples, base_rules, candidate_rules, strict=True)
        ]


async def run_impact(
    *,
    opa: Path,
    engine: AsyncEngine,
    base: PolicyTree,
    candidate: PolicyTree,
    period: Period,
    batch: int = 1000,
    reuse_logged: bool = True,
    shadow: bool = False,
) -> Impact:
    impact = Impact(
        base=base,
        candidate=candidate,
        period=period,
        data=data_changes(opa=opa, base=base, candidate=candidate),
        rules=rule_changes(opa=opa, base=base, candidate=candidate),
        tally=_new_tally(candidate),
        probe_tally=_new_tally(candidate),
        shadow=shadow,
    )
    async with (
        ReplayOpa(binary=opa, policy_dir=base.policy_dir) as base_opa,
        ReplayOpa(binary=opa, policy_dir=candidate.policy_dir) as candidate_opa,
    ):
        started = time.perf_counter()
        sample = await replay(
            engine=engine,
            period=period,
            base=base_opa,
            candidate=candidate_opa,
            validator=input_validator(candidate.input_schema),
            tally=impact.tally,
            base_revision=policy_revision(base.policy_dir) if reuse_logged else None,
            batch=batch,
            shadow=shadow,
        )
        impact.replay_seconds = time.perf_counter() - started
        await _discount_pairs(impact.tally, candidate_opa, sample)
        await _probe(impact, base_opa, candidate_opa)
        for tally in (impact.tally, impact.probe_tally):
            await _explain_examples(tally, base_opa, candidate_opa)
    impact.opa_peak_rss_bytes = [base_opa.peak_rss_bytes, candidate_opa.peak_rss_bytes]
    impact.opa_cpu_seconds = [base_opa.cpu_seconds, candidate_opa.cpu_seconds]
    return impact
