#!/usr/bin/env bash
# Every policy check, in the order a reviewer would want them to fail:
# format, compile (strict, input type-checked against the input schema),
# lint, then the tests with a line-coverage floor on policies/.
#
# policies/ holds only what OPA loads (Rego and data.json), so OPA's own
# commands work on it as they are: `opa test policies policy_tests`,
# `opa run --server policies`. The JSON Schemas live in policy_schemas/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/install-tools.sh"
opa="$root/.tools/bin/opa"
regal="$root/.tools/bin/regal"
min_coverage="${POLICY_MIN_COVERAGE:-95}"

step() { printf '\n== %s\n' "$*" >&2; }

step "opa fmt --list (nothing may need reformatting)"
unformatted="$("$opa" fmt --list policies policy_tests)"
if [ -n "$unformatted" ]; then
  printf 'not formatted (run: .tools/bin/opa fmt -w policies policy_tests):\n%s\n' "$unformatted" >&2
  exit 1
fi

step "opa check --strict (input type-checked against policy_schemas/input.schema.json)"
"$opa" check --strict --bundle policies --schema policy_schemas/input.schema.json
"$opa" check --strict policies policy_tests

step "regal lint"
"$regal" lint policies policy_tests

step "opa test with coverage (floor ${min_coverage}% of policies/ lines)"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
"$opa" test policies policy_tests --format pretty
"$opa" test policies policy_tests --coverage --format json > "$report"
python3 - "$report" "$min_coverage" <<'PY'
import json, sys

report, floor = json.load(open(sys.argv[1])), float(sys.argv[2])
covered = not_covered = 0
def rows(ranges):
    return {row for r in ranges for row in range(r["start"]["row"], r["end"]["row"] + 1)}
for path, data in sorted(report["files"].items()):
    if not path.startswith("policies/"):
        continue
    hit = rows(data.get("covered", []))
    missed = rows(data.get("not_covered", [])) - hit
    covered, not_covered = covered + len(hit), not_covered + len(missed)
    note = f"  (not covered: {sorted(missed)})" if missed else ""
    print(f"  {path}: {100 * len(hit) / max(len(hit) + len(missed), 1):.1f}%{note}")
total = 100 * covered / max(covered + not_covered, 1)
print(f"policy line coverage: {total:.2f}% (floor {floor:g}%)")
if total < floor:
    sys.exit(f"policy coverage {total:.2f}% is below the {floor:g}% floor")
PY
step "policy checks passed"
