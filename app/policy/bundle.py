"""Builds the policy bundle the embedded OPA loads, stamped with a revision derived from its content."""

import hashlib
import os
import subprocess
import uuid
from pathlib import Path

_BUNDLE_FILES = ("*.rego", "data.json", "data.yaml", ".manifest")


def policy_revision(policy_dir: Path) -> str:
    """A revision that changes whenever a policy file or threshold changes, and only then."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in _BUNDLE_FILES for p in policy_dir.rglob(pattern) if p.is_file()})
    for path in files:
        digest.update(path.relative_to(policy_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return f"sha256-{digest.hexdigest()[:16]}"


def build_bundle(*, opa_binary: Path, policy_dir: Path, out_dir: Path) -> tuple[Path, str]:
    """Build policy_dir into a bundle tarball with its content revision; return (path, revision)."""
    revision = policy_revision(policy_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"bundle-{revision}.tar.gz"
    if not target.exists():
        # A name of this build's own: workers starting side by side must not write one file together.
        partial = target.with_name(f"{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial")
        result = subprocess.run(
            [str(opa_binary), "build", "--bundle", str(policy_dir), "--revision", revision, "--output", str(partial)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"opa build failed for {policy_dir}: {result.stderr.strip() or result.stdout.strip()}")
        partial.replace(target)
    return target, revision


def main() -> None:
    """Build an unsigned bundle for an OPA that loads a file (tests, CI): `python -m app.policy.bundle --out DIR`."""
    import argparse
    import shutil

    from app.config import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for bundle.tar.gz")
    args = parser.parse_args()
    built, revision = build_bundle(opa_binary=settings.opa_binary, policy_dir=settings.policy_dir, out_dir=args.out)
    # A fixed name, so the OPA that loads it needs no knowledge of revisions.
    shutil.copyfile(built, args.out / "bundle.tar.gz")
    print(revision)


if __name__ == "__main__":
    main()
