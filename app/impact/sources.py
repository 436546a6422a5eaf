"""A policy version to replay: a directory, or a git ref whose policies/ and policy_schemas/ are extracted."""

import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

POLICY_DIR = "policies"
SCHEMA_DIR = "policy_schemas"
INPUT_SCHEMA = "input.schema.json"


@dataclass(frozen=True)
class PolicyTree:
    """One policy version on disk: the bundle directory and, when it has one, its input schema."""

    label: str
    policy_dir: Path
    input_schema: Path | None

    @property
    def config_path(self) -> Path:
        return self.policy_dir / "retention" / "config" / "data.json"


def _tree_at(label: str, root: Path) -> PolicyTree:
    schema = root / SCHEMA_DIR / INPUT_SCHEMA
    return PolicyTree(label=label, policy_dir=root / POLICY_DIR, input_schema=schema if schema.is_file() else None)


def _from_directory(spec: str, path: Path) -> PolicyTree:
    # A repository checkout (policies/ inside) or the bundle directory itself (retention/ inside, its
    # schemas beside it as in this repository).
    if (path / POLICY_DIR).is_dir():
        return _tree_at(spec, path)
    if (path / "retention").is_dir():
        schema = path.parent / SCHEMA_DIR / INPUT_SCHEMA
        return PolicyTree(label=spec, policy_dir=path, input_schema=schema if schema.is_file() else None)
    raise ValueError(f"{spec}: neither a policy bundle directory nor a checkout with {POLICY_DIR}/")


def _from_git(spec: str, *, repo: Path, into: Path) -> PolicyTree:
    # git archive of the two folders at the ref: the tree as committed, never the working copy. A ref
    # that predates policy_schemas/ still replays; its inputs are then not schema-checked.
    paths = [POLICY_DIR]
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "--name-only", spec, SCHEMA_DIR],
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        raise ValueError(f"{spec}: not a directory and not a git ref of {repo} ({listed.stderr.strip()})")
    if listed.stdout.strip():
        paths.append(SCHEMA_DIR)
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", spec, *paths], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()
    return _tree_at(spec, into)


def _unbundle(into: Path) -> None:
    """Lay a built bundle out as the policies/ tree: `opa build` merges every data file into one root
    data.json, so the config goes back to retention/config/data.json; the signatures are not policy."""
    merged = into / "data.json"
    if merged.is_file():
        config = json.loads(merged.read_text(encoding="utf-8"))["retention"]["config"]
        target = into / "retention" / "config" / "data.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(config, indent=2), encoding="utf-8")
        merged.unlink()
    (into / ".signatures.json").unlink(missing_ok=True)


class PolicySources:
    """Materializes policy versions; close() removes the extracted git trees."""

    def __init__(self, repo: Path) -> None:
        self._repo = repo
        self._temp: list[Path] = []

    def resolve(self, spec: str) -> PolicyTree:
        path = Path(spec)
        if path.is_dir():
            return _from_directory(spec, path.resolve())
        if path.is_file() and path.name.endswith(".tar.gz"):
            # A release bundle (var/releases/<name>.tar.gz): its policy files, without an input schema.
            into = Path(tempfile.mkdtemp(prefix="impact-release-"))
            self._temp.append(into)
            with tarfile.open(path) as tar:
                tar.extractall(into, filter="data")
            _unbundle(into)
            return PolicyTree(label=spec, policy_dir=into, input_schema=None)
        into = Path(tempfile.mkdtemp(prefix="impact-policy-"))
        self._temp.append(into)
        return _from_git(spec, repo=self._repo, into=into)

    def close(self) -> None:
        for path in self._temp:
            shutil.rmtree(path, ignore_errors=True)
        self._temp.clear()
