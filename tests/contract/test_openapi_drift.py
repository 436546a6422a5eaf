"""The committed API contract is the app's contract."""

import json
import re
from pathlib import Path

from app.main import create_app

CONTRACT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
PUBLIC = {"/healthz", "/readyz"}


def test_committed_openapi_matches_the_app() -> None:
    committed = json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert create_app().openapi() == committed, (
        "openapi/openapi.json drifted from the app: run .venv/bin/python scripts/export_openapi.py and review the diff"
    )


def test_every_operation_has_a_stable_id_and_authentication() -> None:
    schema = create_app().openapi()
    ids = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ids.append(operation["operationId"])
            # FastAPI's generated ids embed the path and method; a stable id is a plain name.
            assert re.fullmatch(r"[a-z][a-z_]*", operation["operationId"]), (method, path, operation["operationId"])
            if path in PUBLIC:
                assert "security" not in operation, path
            else:
                assert {"apiToken": []} in operation["security"], (method, path)
    assert len(ids) == len(set(ids))
    assert schema["paths"]["/v1/save-cases"]["post"]["security"] == [{"apiToken": []}, {"webhookSignature": []}]
