"""The impact report in Markdown, for a pull-request comment: seven sections and the loosening verdict."""

import json
from collections import Counter
from typing import Any, Final

from app.impact.changes import MISSING
from app.impact.run import Impact
from app.impact.tally import LISTED_LIMIT, Tally, chain_text

MARKER: Final = "<!-- policy-impact-report -->"
TOP_ROWS: Final = 20


def _value(value: Any) -> str:
    if value == MISSING:
        return "*(absent)*"
    return f"`{json.dumps(value)}`"


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "–"


def _money(amount: float) -> str:
    return f"{amount:,.2f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _shifts(title: str, shifts: Counter[tuple[str, str]], total: int) -> list[str]:
    if not shifts:
        return [f"{title}: no change.", ""]
    rows = [[f"{a} → {b}", str(n), _share(n, total)] for (a, b), n in shifts.most_common(TOP_ROWS)]
    return [f"{title}:", "", *_table(["shift", "decisions", "share"], rows)]


def _changed(impact: Impact) -> list[str]:
    lines = ["## 1. What changed", ""]
    if impact.data:
        rows = [[f"`{c.path}`", c.title or "", f"{_value(c.old)} → {_value(c.new)}"] for c in impact.data]
        lines += _table(["data key", "what it sets (METADATA)", "base → candidate"], rows)
    else:
        lines += ["No data value changed.", ""]
    if impact.rules:
        rows = [[c.kind, c.title, f"`{c.package}.{c.rule}`"] for c in impact.rules]
        lines += _table(["rule", "title", "Rego"], rows)
    else:
        lines += ["No Rego rule was added, removed or changed.", ""]
    return lines


def _transitions(t: Tally) -> list[str]:
    lines = ["## 2. Transitions", ""]
    rows = [[f"{a} → {b}", str(n), _share(n, t.replayed)] for (a, b), n in sorted(t.outcomes.items()) if a != b]
    same = sum(n for (a, b), n in t.outcomes.items() if a == b)
    lines += [f"Outcome unchanged for {same} of {t.replayed} replayed decisions ({_share(same, t.replayed)}).", ""]
    lines += _table(["outcome", "decisions", "share"], rows) if rows else ["No outcome changes.", ""]
    chain_rows = [[f"{a} ⇒ {b}", str(n), _share(n, t.replayed)] for (a, b), n in t.chains.most_common(TOP_ROWS)]
    lines += ["Approval chains changed:", ""]
    lines += _table(["chain (base ⇒ candidate)", "decisions", "share"], chain_rows) if chain_rows else ["none.", ""]
    months = t.months
    roles = sorted(t.base_tasks.keys() | t.candidate_tasks.keys())
    load = []
    for role in roles:
        old, new = t.base_tasks[role] / months, t.candidate_tasks[role] / months
        load.append([role, f"{old:.1f}", f"{new:.1f}", f"{new - old:+.1f}"])
    lines += [f"Approval tasks a month (load forecast over {months:.1f} months of routed decisions):", ""]
    lines += _table(["role", "base", "candidate", "change"], load) if load else ["no routed decisions.", ""]
    lines += _shifts("Discount tier shifts", t.tiers, t.replayed)
    lines += _shifts("Escalation shifts", t.escalations, t.replayed)
    return lines


def _money_section(t: Tally) -> list[str]:
    allowed, blocked, cases = t.newly_allowed, t.newly_blocked, t.changed_cases
    rows = [
        ["newly allowed (routed now, not before)", str(allowed["cases"]), _money(allowed["cost"])],
        ["newly blocked (routed before, not now)", str(blocked["cases"]), _money(blocked["cost"])],
    ]
    lines = ["## 3. Money", "", *_table(["concessions", "decisions", "offer cost (derived.offer_cost)"], rows)]
    kinds = ["saved", "lost", "regretted", "open", "no outcome recorded"]
    lines += [f"Recorded outcomes of the {cases['cases']} cases whose decision would change:", ""]
    lines += _table([*kinds], [[str(cases[k]) for k in kinds]])
    return lines


def _examples(t: Tally) -> list[str]:
    lines = ["## 4. Examples", ""]
    if not t.examples:
        return [*lines, "No changed decisions.", ""]
    for cell, examples in sorted(t.examples.items()):
        lines += [f"**{cell}**", ""]
        rows = [[f"`{e.subject}`", ", ".join(e.base_rules or []), ", ".join(e.candidate_rules or [])] for e in examples]
        lines += _table(["decision", "rules under base", "rules under candidate"], rows)
    return lines


def _probes(impact: Impact) -> list[str]:
    lines = ["## 5. Boundary probes", ""]
    if not impact.probes and not impact.unprobed:
        return [*lines, "No data value changed: nothing to probe.", ""]
    for key, results in impact.probes.items():
        lines += [f"`{key}`:", ""]
        rows = []
        for r in results:
            base = f"{r.base['outcome']}: {chain_text(r.base)}"
            candidate = f"{r.candidate['outcome']}: {chain_text(r.candidate)}"
            marker = "" if base == candidate else " **changed**"
            rows.append([f"{r.probe.position} {r.probe.threshold:g}", r.probe.field, base, candidate + marker])
        lines += _table(["probe", "input", "base", "candidate"], rows)
    if impact.unprobed:
        lines += ["No probe (not a numeric threshold with a known input figure): "]
        lines += [", ".join(f"`{key}`" for key in impact.unprobed), ""]
    return lines


def _invariants(impact: Impact) -> list[str]:
    t, p = impact.tally, impact.probe_tally
    # The invariant as stated, and the prefix of the breaks Tally records against it.
    names = {
        "no costed offer routes without the account owner": "costed offer routed without the account owner",
        "nothing routes with a violation": "routed with violations",
        "a larger discount never gets a shorter chain": "a larger discount got a shorter chain",
    }
    checked = (
        f"{t.invariant_checked['routed']} routed replayed decisions, {p.invariant_checked['routed']} routed probes, "
        f"{t.invariant_checked['discount pairs'] + p.invariant_checked['discount pairs']} routed discount pairs"
    )
    lines = ["## 6. Invariants checked on the candidate", "", f"Checked over {checked}.", ""]
    rows = []
    for stated, broken in names.items():
        breaks = sum(n for k, n in (t.invariant_breaks + p.invariant_breaks).items() if k.startswith(broken))
        rows.append([stated, "holds" if breaks == 0 else f"**broken {breaks}×**"])
    lines += _table(["invariant", "result"], rows)
    listed = [f"- {name}: `{subject}`" for name, subject in (t.invariant_listed + p.invariant_listed)[:LISTED_LIMIT]]
    return [*lines, *listed, ""] if listed else lines


def _refused(impact: Impact) -> list[str]:
    t = impact.tally
    lines = ["## 7. Not replayable", ""]
    if impact.candidate.input_schema is None:
        lines.append("The candidate has no input schema (policy_schemas/input.schema.json): inputs were not checked.")
    else:
        lines.append(f"{t.refused} logged inputs are refused by the candidate's input schema (never guessed).")
    if t.undecided:
        lines.append(f"{t.undecided} replayed inputs got no decision from one of the policies.")
    lines.append("")
    if t.refused_listed:
        shown = f" (first {len(t.refused_listed)})" if t.refused > len(t.refused_listed) else ""
        lines += _table([f"decision{shown}", "refused at"], [[f"`{s}`", reason] for s, reason in t.refused_listed])
    return lines


def _verdict(impact: Impact) -> list[str]:
    t, p = impact.tally, impact.probe_tally
    if not impact.loosens:
        return [
            "**Verdict: the candidate loosens nothing** (no logged case or probe newly routed, no approver dropped).",
            "",
        ]
    lines = ["**Verdict: the candidate LOOSENS the policy** — a named reviewer must approve.", ""]
    lines.append(f"- logged decisions newly routed from pause or decline: {t.loosened_routes}")
    lines.append(f"- probes newly routed from pause or decline: {p.loosened_routes}")
    dropped = t.dropped_roles + p.dropped_roles
    if dropped:
        lines.append(
            "- approver roles dropped from routed chains: " + ", ".join(f"{r} ({n})" for r, n in dropped.items())
        )
    lines += [f"- `{item}`" for item in (t.loosening_listed + p.loosening_listed)[:10]]
    return [*lines, ""]


def _provenance(impact: Impact) -> str:
    t = impact.tally
    if impact.shadow:
        return (
            f"Shadow mode: {t.replayed} live decisions compared with the decisions the shadow release made for "
            "them on live traffic (nothing replayed; the live side is whatever release was live then)."
        )
    return (
        f"Base decisions read from the log (decided by the base's very files): {t.base_from_log}; "
        f"decided again under the base: {t.replayed - t.base_from_log}."
    )


def render(impact: Impact) -> str:
    t = impact.tally
    period = f"{t.first_time:%Y-%m-%d} to {t.last_time:%Y-%m-%d}" if t.first_time and t.last_time else "no decisions"
    changed = sum(n for (a, b), n in t.outcomes.items() if a != b)
    lines = [
        MARKER,
        f"# Policy impact: `{impact.base.label}` → `{impact.candidate.label}`",
        "",
        f"{t.logged} logged decisions ({period}); {t.replayed} replayed under both policies, {t.refused} not "
        f"replayable; {changed} change outcome and {sum(t.chains.values())} change approval chain.",
        "",
        _provenance(impact),
        "",
        *_verdict(impact),
        *_changed(impact),
        *_transitions(t),
        *_money_section(t),
        *_examples(t),
        *_probes(impact),
        *_invariants(impact),
        *_refused(impact),
    ]
    return "\n".join(lines).rstrip() + "\n"
