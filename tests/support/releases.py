"""Helpers of the release tests: policy copies with one threshold changed, and bundles tampered after signing."""

import io
import json
import shutil
import tarfile
from pathlib import Path

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def policies_with_credit_finance_over(tmp_path: Path, pct: float) -> Path:
    """A copy of policies/ where credits above `pct` % of ARR need finance (5 in the shipped data)."""
    copy = tmp_path / f"policies-credit-{pct}"
    shutil.copytree(POLICIES, copy)
    config_file = copy / "retention" / "config" / "data.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["credit"]["finance_over_pct"] = pct
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return copy


def tampered(bundle: Path, out: Path, *, finance_over_pct: float = 3) -> Path:
    """The signed bundle with its data changed after signing (every other file, the signature included, kept)."""
    with tarfile.open(bundle, "r:gz") as source, tarfile.open(out, "w:gz") as target:
        for member in source:
            content = source.extractfile(member)
            assert content is not None
            raw = content.read()
            if member.name.lstrip("/") == "data.json":
                data = json.loads(raw)
                assert data["retention"]["config"]["credit"]["finance_over_pct"] != finance_over_pct
                data["retention"]["config"]["credit"]["finance_over_pct"] = finance_over_pct
                raw = json.dumps(data).encode()
            member.size = len(raw)
            target.addfile(member, io.BytesIO(raw))
    return out
