"""The committed API contract is the app's contract."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

from app.main import create_app

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "openapi" / "openapi.json"
SCRIPT = ROOT / "scripts" / "export_openapi.py"
PUBLIC = {"/healthz", "/readyz"}
_spec = importlib.util.spec_from_file_location("export_openapi", SCRIPT)
assert _spec and _spec.loader
export_openapi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(export_openapi)


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_committed_openapi_matches_the_app() -> None:
    committed = CONTRACT.read_text(encoding="utf-8")
    current = export_openapi.render(create_app().openapi())
    assert committed == current, (
        "openapi/openapi.json drifted from the app:\n"
        + export_openapi.diff_summary(committed, current)
        + "\nrun .venv/bin/python scripts/export_openapi.py, review the diff and commit it"
    )


def test_check_mode_fails_with_a_summary_when_the_contract_differs(tmp_path: Path) -> None:
    schema = create_app().openapi()
    schema["paths"]["/v1/decisions"]["get"]["summary"] = "Something else"
    del schema["paths"]["/healthz"]
    stale = export_openapi.render(schema)
    summary = export_openapi.diff_summary(stale, export_openapi.render(create_app().openapi()))
    assert "~ operation GET /v1/decisions changed" in summary
    assert "+ operation GET /healthz (new in the app)" in summary
    assert '-        "summary": "Something else",' in summary
    assert '+        "summary": "List decisions",' in summary


def test_check_mode_passes_on_the_committed_contract() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "matches the app" in result.stdout


def test_every_operation_has_a_stable_id_and_authentication() -> None:
    schema = create_app().openapi()
    ids = []
    for path, method, operation in _operations(schema):
        ids.append(operation["operationId"])
        # FastAPI's generated ids embed the path and method; a stable id is a plain name.
        assert re.fullmatch(r"[a-z][a-z_]*", operation["operationId"]), (method, path, operation["operationId"])
        if path in PUBLIC:
            assert "security" not in operation, path
        else:
            assert {"apiToken": []} in operation["security"], (method, path)
    assert len(ids) == len(set(ids))
    assert schema["paths"]["/v1/save-cases"]["post"]["security"] == [{"apiToken": []}, {"webhookSignature": []}]
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A person's or an integration's API token.",
    }


def test_every_operation_has_tags_a_summary_and_its_error_responses() -> None:
    schema = create_app().openapi()
    error = {"$ref": "#/components/schemas/ErrorRead"}
    for path, method, operation in _operations(schema):
        where = f"{method.upper()} {path}"
        assert operation.get("tags"), where
        assert operation.get("summary") and len(operation["summary"]) <= 40, where
        # FastAPI's default summary is the function name title-cased; ours are written for people.
        assert operation["summary"] != operation["operationId"].replace("_", " ").title(), where
        responses = operation["responses"]
        required = set()
        if path not in PUBLIC:
            required |= {"401", "503"}  # the token is looked up in the database
        if "requestBody" in operation:
            required |= {"413", "422"}
        assert required <= responses.keys(), (where, sorted(required - responses.keys()))
        for code, response in responses.items():
            if code.startswith(("4", "5")) and code != "422" and path not in PUBLIC:
                assert response["content"]["application/json"]["schema"] == error, (where, code)
        if "422" in responses:
            assert responses["422"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/HTTPValidationError"
            }, where


def test_decide_documents_the_webhook_signature_headers() -> None:
    schema = create_app().openapi()
    scheme = schema["components"]["securitySchemes"]["webhookSignature"]
    assert scheme["type"] == "apiKey" and scheme["in"] == "header" and scheme["name"] == "X-Webhook-Signature"
    decide = schema["paths"]["/v1/save-cases"]["post"]
    headers = {p["name"]: p for p in decide["parameters"] if p["in"] == "header"}
    for header in ("X-Webhook-Source", "X-Webhook-Timestamp"):
        assert header in scheme["description"]
        assert headers[header]["required"] is False and headers[header]["description"].startswith("Signed webhooks")
