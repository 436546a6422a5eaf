"""What the replay counts: transitions, approval load, money, examples, invariants and loosening.

Counters only, plus at most EXAMPLES_PER_CELL examples per changed cell and LISTED_LIMIT listed
items per list, so the memory the replay holds does not grow with the size of the log.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

EXAMPLES_PER_CELL: Final = 3
LISTED_LIMIT: Final = 50


def chain_roles(result: dict[str, Any]) -> list[str]:
    return [role for stage in result["chain"] for role in stage]


def chain_text(result: dict[str, Any]) -> str:
    return " → ".join(" + ".join(stage) for stage in result["chain"]) or "(none)"


@dataclass(frozen=True)
class Example:
    subject: str  # a decision id, or a probe's description
    base_chain: str
    candidate_chain: str
    policy_input: dict[str, Any]
    # The rule ids that fired: read from a logged decision document, or asked of OPA once the replay
    # is over (app.impact.run), since the replay itself does not build the explanations.
    base_rules: list[str] | None = None
    candidate_rules: list[str] | None = None


@dataclass
class Tally:
    """The replay's counts; add() takes one logged input's two decisions."""

    owner_role: str
    costed_offer_types: frozenset[str]
    logged: int = 0
    replayed: int = 0
    base_from_log: int = 0  # base decisions read from the log (decided by the base's very files)
    first_time: datetime | None = None
    last_time: datetime | None = None
    refused: int = 0
    refused_listed: list[tuple[str, str]] = field(default_factory=list)
    undecided: int = 0
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    chains: Counter[tuple[str, str]] = field(default_factory=Counter)
    tiers: Counter[tuple[str, str]] = field(default_factory=Counter)
    escalations: Counter[tuple[str, str]] = field(default_factory=Counter)
    base_tasks: Counter[str] = field(default_factory=Counter)
    candidate_tasks: Counter[str] = field(default_factory=Counter)
    newly_allowed: Counter[str] = field(default_factory=Counter)  # "cases", "cost"
    newly_blocked: Counter[str] = field(default_factory=Counter)
    changed_cases: Counter[str] = field(default_factory=Counter)  # joined outcomes of changed cases
    examples: dict[str, list[Example]] = field(default_factory=lambda: defaultdict(list))
    invariant_breaks: Counter[str] = field(default_factory=Counter)
    invariant_listed: list[tuple[str, str]] = field(default_factory=list)
    invariant_checked: Counter[str] = field(default_factory=Counter)
    loosened_routes: int = 0
    dropped_roles: Counter[str] = field(default_factory=Counter)
    loosening_listed: list[str] = field(default_factory=list)

    def see(self, at: datetime) -> None:
        self.logged += 1
        self.first_time = at if self.first_time is None or at < self.first_time else self.first_time
        self.last_time = at if self.last_time is None or at > self.last_time else self.last_time

    def refuse(self, subject: str, reason: str) -> None:
        self.refused += 1
        if len(self.refused_listed) < LISTED_LIMIT:
            self.refused_listed.append((subject, reason))

    def add(self, subject: str, policy_input: dict[str, Any], base: dict[str, Any], candidate: dict[str, Any]) -> bool:
        """Count one replayed input; True when the candidate decides it differently."""
        self.replayed += 1
        if "undecided" in (base["outcome"], candidate["outcome"]):
            self.undecided += 1
        self.outcomes[(base["outcome"], candidate["outcome"])] += 1
        old_chain, new_chain = chain_text(base), chain_text(candidate)
        if old_chain != new_chain:
            self.chains[(old_chain, new_chain)] += 1
        if base["tier"] != candidate["tier"]:
            self.tiers[(str(base["tier"]), str(candidate["tier"]))] += 1
        if base["escalation"] != candidate["escalation"]:
            self.escalations[(str(base["escalation"]), str(candidate["escalation"]))] += 1
        for result, tasks in ((base, self.base_tasks), (candidate, self.candidate_tasks)):
            if result["outcome"] == "route":
                tasks.update(chain_roles(result))
        cost = (policy_input.get("derived") or {}).get("offer_cost") or 0
        routed = (base["outcome"] == "route", candidate["outcome"] == "route")
        if routed == (False, True):
            self.newly_allowed.update({"cases": 1, "cost": cost})
        elif routed == (True, False):
            self.newly_blocked.update({"cases": 1, "cost": cost})
        self.check_invariants(subject, policy_input, candidate)
        self.check_loosening(subject, base, candidate)
        changed = base["outcome"] != candidate["outcome"] or old_chain != new_chain
        if changed:
            self.example(subject, policy_input, base, candidate)
        return changed

    def cell(self, base: dict[str, Any], candidate: dict[str, Any]) -> str:
        if base["outcome"] != candidate["outcome"]:
            return f"{base['outcome']} → {candidate['outcome']}"
        return f"{base['outcome']}, chain {chain_text(base)} ⇒ {chain_text(candidate)}"

    def example(
        self, subject: str, policy_input: dict[str, Any], base: dict[str, Any], candidate: dict[str, Any]
    ) -> None:
        listed = self.examples[self.cell(base, candidate)]
        if len(listed) < EXAMPLES_PER_CELL:
            listed.append(
                Example(
                    subject,
                    chain_text(base),
                    chain_text(candidate),
                    policy_input,
                    base_rules=base.get("rules"),
                    candidate_rules=candidate.get("rules"),
                )
            )

    def break_invariant(self, name: str, subject: str) -> None:
        self.invariant_breaks[name] += 1
        if len(self.invariant_listed) < LISTED_LIMIT:
            self.invariant_listed.append((name, subject))

    def check_invariants(self, subject: str, policy_input: dict[str, Any], candidate: dict[str, Any]) -> None:
        if candidate["outcome"] != "route":
            return
        self.invariant_checked["routed"] += 1
        offer = ((policy_input.get("case") or {}).get("proposed_offer") or {}).get("type")
        if offer in self.costed_offer_types and self.owner_role not in chain_roles(candidate):
            self.break_invariant("costed offer routed without the account owner", subject)
        if candidate["violations"]:
            self.break_invariant("routed with violations " + ", ".join(candidate["violations"]), subject)

    def check_larger_discount(self, subject: str, smaller: dict[str, Any], larger: dict[str, Any]) -> None:
        """A larger discount on the same case must not get a shorter chain (when both route)."""
        if smaller["outcome"] != "route" or larger["outcome"] != "route":
            return
        self.invariant_checked["discount pairs"] += 1
        if len(chain_roles(larger)) < len(chain_roles(smaller)):
            self.break_invariant("a larger discount got a shorter chain", subject)

    def check_loosening(self, subject: str, base: dict[str, Any], candidate: dict[str, Any]) -> None:
        loosened = False
        if candidate["outcome"] == "route" and base["outcome"] in ("pause", "decline"):
            self.loosened_routes += 1
            loosened = True
        if base["outcome"] == "route" and candidate["outcome"] == "route":
            dropped = set(chain_roles(base)) - set(chain_roles(candidate))
            self.dropped_roles.update(dropped)
            loosened = loosened or bool(dropped)
        if loosened and len(self.loosening_listed) < LISTED_LIMIT:
            self.loosening_listed.append(f"{subject}: {self.cell(base, candidate)}")

    @property
    def loosens(self) -> bool:
        return self.loosened_routes > 0 or bool(self.dropped_roles)

    @property
    def months(self) -> float:
        """The replayed period in months (at least one), for the per-month load forecast."""
        if self.first_time is None or self.last_time is None:
            return 1.0
        return max((self.last_time - self.first_time).total_seconds() / (86400 * 30.4375), 1.0)
