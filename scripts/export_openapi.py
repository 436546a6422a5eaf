#!/usr/bin/env python3
"""Write the service's OpenAPI contract to openapi/openapi.json, or check it with --check."""

import argparse
import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "openapi" / "openapi.json"
COMMAND = ".venv/bin/python scripts/export_openapi.py"
sys.path.insert(0, str(ROOT))


def render(schema: dict | None = None) -> str:
    """The app's OpenAPI document as the committed file spells it: sorted keys, 2-space indent, trailing newline."""
    if schema is None:
        from app.main import create_app  # the app is built, never started: no OPA or database needed

        schema = create_app().openapi()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _operations(document: dict) -> dict[str, dict]:
    return {
        f"{method.upper()} {path}": operation
        for path, operations in document.get("paths", {}).items()
        for method, operation in operations.items()
    }


def diff_summary(committed: str, current: str, *, max_lines: int = 60) -> str:
    """What changed between the committed contract and the app's: operations and schemas by name, then the diff."""
    lines: list[str] = []
    try:
        old = json.loads(committed) if committed else {}
    except json.JSONDecodeError:
        old = {}
        lines.append("the committed file is not valid JSON")
    new = json.loads(current)
    old_ops, new_ops = _operations(old), _operations(new)
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    for kind, before, after in (("operation", old_ops, new_ops), ("schema", old_schemas, new_schemas)):
        lines += [f"  + {kind} {name} (new in the app)" for name in sorted(after.keys() - before.keys())]
        lines += [f"  - {kind} {name} (gone from the app)" for name in sorted(before.keys() - after.keys())]
        lines += [
            f"  ~ {kind} {name} changed" for name in sorted(before.keys() & after.keys()) if before[name] != after[name]
        ]
    other = sorted(k for k in (old.keys() | new.keys()) - {"paths", "components"} if old.get(k) != new.get(k))
    other += [
        "components." + k
        for k in sorted((old.get("components", {}).keys() | new.get("components", {}).keys()) - {"schemas"})
        if old.get("components", {}).get(k) != new.get("components", {}).get(k)
    ]
    lines += [f"  ~ {name} changed" for name in other]
    diff = list(
        difflib.unified_diff(
            committed.splitlines(),
            current.splitlines(),
            "openapi/openapi.json (committed)",
            "app (current)",
            lineterm="",
            n=2,
        )
    )
    if not lines and diff:
        lines.append("  formatting only (keys, indentation or trailing newline)")
    shown = diff[:max_lines]
    more = f"\n  ... {len(diff) - max_lines} more diff lines" if len(diff) > max_lines else ""
    return "\n".join(lines) + ("\n" + "\n".join(shown) + more if shown else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 with a diff summary if the committed contract differs"
    )
    args = parser.parse_args()
    current = render()
    relative = CONTRACT.relative_to(ROOT)
    if args.check:
        committed = CONTRACT.read_text(encoding="utf-8") if CONTRACT.exists() else ""
        if committed != current:
            print(f"{relative} is out of date with the app:", file=sys.stderr)
            print(diff_summary(committed, current), file=sys.stderr)
            print(f"run {COMMAND}, review the diff and commit it", file=sys.stderr)
            return 1
        print(f"{relative} matches the app")
        return 0
    CONTRACT.parent.mkdir(parents=True, exist_ok=True)
    CONTRACT.write_text(current, encoding="utf-8")
    print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
