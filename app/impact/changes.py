"""What changed between two policy trees: each data value by key path, each rule by its METADATA title."""

import json
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from app.impact.sources import PolicyTree

MISSING: Final = "(absent)"
CONFIG_PREFIX: Final = "data.retention.config"


@dataclass(frozen=True)
class DataChange:
    """One data value of data.json that differs; old or new is MISSING when the key was added or removed."""

    path: str
    old: Any
    new: Any
    title: str | None

    @property
    def numeric(self) -> bool:
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in (self.old, self.new))


@dataclass(frozen=True)
class RuleChange:
    """A rule (all definitions of one name in one package) added, removed or changed."""

    package: str
    rule: str
    kind: str  # added | removed | changed
    title: str


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    # Objects by key; lists of objects by position (discount.tiers[1].max_pct); a list of words (a
    # keyword list, a catalogue) is one value, so a reader sees the words added and removed.
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{path}.{key}" if path else key, out)
    elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        for index, inner in enumerate(value):
            _flatten(inner, f"{path}[{index}]", out)
    else:
        out[path] = value


def _inspect(opa: Path, tree: PolicyTree) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(opa), "inspect", "-a", "--format", "json", str(tree.policy_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    annotations: list[dict[str, Any]] = json.loads(done.stdout).get("annotations") or []
    return annotations


def _ref_text(ref: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for term in ref:
        if term["type"] == "var" and not parts:
            parts.append(str(term["value"]))
        elif term["type"] == "string":
            parts.append(f".{term['value']}")
        else:
            parts.append("[_]")
    return "".join(parts)


def _titles(annotations: list[dict[str, Any]]) -> dict[str, str]:
    """Annotated path (data.retention.offers.credit_needs_finance) -> METADATA title."""
    titles: dict[str, str] = {}
    for entry in annotations:
        title = entry.get("annotations", {}).get("title")
        if title:
            titles.setdefault(_ref_text(entry["path"]), title)
    return titles


def _key_titles(annotations: list[dict[str, Any]]) -> dict[str, str]:
    """Data key named in a METADATA title or description (credit.finance_over_pct) -> that title."""
    found: dict[str, str] = {}
    for entry in annotations:
        notes = entry.get("annotations", {})
        text = f"{notes.get('title', '')} {notes.get('description', '')}"
        for word in text.replace("(", " ").replace(")", " ").replace(",", " ").split():
            key = word.rstrip(".;:")
            if "." in key and key[0].islower() and notes.get("title"):
                found.setdefault(key, notes["title"])
    return found


def data_changes(*, opa: Path, base: PolicyTree, candidate: PolicyTree) -> list[DataChange]:
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flatten(json.loads(base.config_path.read_text(encoding="utf-8")), "", old)
    _flatten(json.loads(candidate.config_path.read_text(encoding="utf-8")), "", new)
    titles = _key_titles(_inspect(opa, candidate))
    changes = []
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path, MISSING), new.get(path, MISSING)
        if before != after:
            stem = path.split("[")[0]
            changes.append(DataChange(path=path, old=before, new=after, title=titles.get(path) or titles.get(stem)))
    return changes


def _rules(opa: Path, tree: PolicyTree) -> dict[tuple[str, str], str]:
    """(package, rule name) -> the canonical JSON of its definitions, comments and METADATA left out."""
    grouped: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for path in sorted(tree.policy_dir.rglob("*.rego")):
        if path.name.endswith("_test.rego"):
            continue
        done = subprocess.run(
            [str(opa), "parse", "--format", "json", str(path)], capture_output=True, text=True, check=True
        )
        module = json.loads(done.stdout)
        package = _ref_text(module["package"]["path"])
        for rule in module.get("rules", []):
            rule.pop("annotations", None)
            grouped[(package, _ref_text(rule["head"]["ref"]))].append(rule)
    return {key: json.dumps(defs, sort_keys=True) for key, defs in grouped.items()}


def rule_changes(*, opa: Path, base: PolicyTree, candidate: PolicyTree) -> list[RuleChange]:
    old, new = _rules(opa, base), _rules(opa, candidate)
    titles = _titles(_inspect(opa, base)) | _titles(_inspect(opa, candidate))
    changes = []
    for package, rule in sorted(old.keys() | new.keys()):
        key = (package, rule)
        kind = "added" if key not in old else "removed" if key not in new else "changed"
        if kind == "changed" and old[key] == new[key]:
            continue
        # A helper without its own METADATA is named by its package's title.
        title = titles.get(f"{package}.{rule}") or f"{titles.get(package, package)}: {rule}"
        changes.append(RuleChange(package=package, rule=rule, kind=kind, title=title))
    return changes
