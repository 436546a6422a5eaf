#!/usr/bin/env python3
"""Write the service's OpenAPI contract to openapi/openapi.json, or check it with --check."""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "openapi" / "openapi.json"
sys.path.insert(0, str(ROOT))


def render() -> str:
    """The app's OpenAPI document as the committed file spells it."""
    from app.main import create_app  # the app is built, never started: no OPA or database needed

    return json.dumps(create_app().openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed contract differs from the app")
    args = parser.parse_args()
    current = render()
    if args.check:
        committed = CONTRACT.read_text(encoding="utf-8") if CONTRACT.exists() else ""
        if committed != current:
            print(f"{CONTRACT.relative_to(ROOT)} is out of date: run .venv/bin/python scripts/export_openapi.py", file=sys.stderr)
            return 1
        print(f"{CONTRACT.relative_to(ROOT)} matches the app")
        return 0
    CONTRACT.parent.mkdir(parents=True, exist_ok=True)
    CONTRACT.write_text(current, encoding="utf-8")
    print(f"wrote {CONTRACT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
