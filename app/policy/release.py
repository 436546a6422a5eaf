"""Policy releases: named, signed bundles kept in RELEASE_DIR, published to the bundle location OPA polls.

    python -m app.policy.release build --name 2026-12-credit-3pct [--publish]
    python -m app.policy.release publish 2026-12-credit-3pct     # also how to roll back
    python -m app.policy.release list
    python -m app.policy.release ensure     # what the embedded OPA does at start: see ensure_published

A release's revision is `<name>@<content hash>`, so the decision log names both the
release and the exact policy files it decided with. Releases are immutable: a name,
once built, keeps its content. Publishing copies a release over `bundle.tar.gz` in the
bundle location with one atomic rename, so OPA never downloads half a file.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from app.config import Settings, get_settings
from app.policy.bundle import policy_revision
from app.policy.keys import ReleaseKeyError, signing_key, verification_key_pem

PUBLISHED_BUNDLE = "bundle.tar.gz"
RELEASE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Development releases are named by the service itself; `build` leaves the prefix to it.
DEV_PREFIX = "dev-"


class ReleaseError(RuntimeError):
    """A release cannot be built or published as asked."""


@dataclass(frozen=True, kw_only=True)
class Release:
    name: str
    revision: str
    path: Path


def release_revision(name: str, content_revision: str) -> str:
    return f"{name}@{content_revision}"


def release_name(revision: str | None) -> str | None:
    """The release a revision names; None for a bare content hash (bundles built before releases)."""
    if not revision or "@" not in revision:
        return None
    name = revision.split("@", 1)[0]
    return name if RELEASE_NAME.fullmatch(name) else None


def bundle_revision(bundle: Path) -> str | None:
    """The revision in a bundle tarball's manifest; None when there is no readable bundle."""
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            for member in tar:
                if member.name.lstrip("/") == ".manifest" and (manifest := tar.extractfile(member)):
                    revision = json.load(manifest).get("revision")
                    return str(revision) if revision else None
    except (OSError, tarfile.TarError, ValueError):
        return None
    return None


def _run_opa(args: list[str], *, cwd: Path | None = None) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False, cwd=cwd)
    if result.returncode != 0:
        raise ReleaseError(result.stderr.strip() or result.stdout.strip() or f"opa exited with {result.returncode}")


def build_release(*, opa_binary: Path, policy_dir: Path, release_dir: Path, name: str, key: Path) -> Release:
    """Build and sign policy_dir as release `name`; the same content again returns the existing release."""
    if not RELEASE_NAME.fullmatch(name):
        raise ReleaseError(f"release name {name!r}: use letters, digits, '.', '_' and '-' (at most 64)")
    revision = release_revision(name, policy_revision(policy_dir))
    target = release_dir / f"{name}.tar.gz"
    if target.exists():
        return _same_release(target, name=name, revision=revision)
    release_dir.mkdir(parents=True, exist_ok=True)
    partial = release_dir / f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial"
    try:
        # Built from inside the directory, so the bundle's file names do not carry this machine's paths.
        signing = ["--signing-key", str(key.resolve()), "--signing-alg", "RS256"]
        output = ["--output", str(partial.resolve())]
        _run_opa([str(opa_binary), "build", "--bundle", ".", "--revision", revision, *signing, *output], cwd=policy_dir)
        os.link(partial, target)  # fails if the name was taken meanwhile: a release is never overwritten
    except FileExistsError:
        return _same_release(target, name=name, revision=revision)
    finally:
        partial.unlink(missing_ok=True)
    return Release(name=name, revision=revision, path=target)


def _same_release(target: Path, *, name: str, revision: str) -> Release:
    existing = bundle_revision(target)
    if existing != revision:
        raise ReleaseError(
            f"release {name!r} already exists with other content ({existing}); releases never change: "
            "build the new policy under a new name"
        )
    return Release(name=name, revision=revision, path=target)


def verify_release(*, opa_binary: Path, bundle: Path, public_key_pem: str, key_id: str) -> None:
    """Check a release's signature as OPA will; ReleaseError if it is unsigned, tampered or signed by another key."""
    with tempfile.TemporaryDirectory(prefix="release-verify-") as scratch:
        key = Path(scratch) / "verification.pem"
        key.write_text(public_key_pem, encoding="ascii")
        verifying = ["--verification-key", str(key), "--verification-key-id", key_id]
        args = [str(opa_binary), "build", "--bundle", str(bundle), *verifying, "--output", str(Path(scratch) / "out")]
        try:
            _run_opa(args)
        except ReleaseError as exc:
            raise ReleaseError(f"{bundle.name} does not verify with the verification key: {exc}") from None


def publish(*, release_dir: Path, bundle_dir: Path, name: str) -> Release:
    """Make release `name` the one OPA downloads next: copy it over the bundle location's bundle.tar.gz."""
    source = release_dir / f"{name}.tar.gz"
    revision = bundle_revision(source)
    if revision is None:
        raise ReleaseError(f"no release {name!r} in {release_dir} (see `python -m app.policy.release list`)")
    bundle_dir.mkdir(parents=True, exist_ok=True)
    partial = bundle_dir / f".{PUBLISHED_BUNDLE}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial"
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, bundle_dir / PUBLISHED_BUNDLE)
    finally:
        partial.unlink(missing_ok=True)
    return Release(name=name, revision=revision, path=bundle_dir / PUBLISHED_BUNDLE)


def published_revision(bundle_dir: Path) -> str | None:
    return bundle_revision(bundle_dir / PUBLISHED_BUNDLE)


def _verifies(settings: Settings, bundle: Path, public_key_pem: str) -> bool:
    try:
        verify_release(
            opa_binary=settings.opa_binary, bundle=bundle, public_key_pem=public_key_pem, key_id=settings.release_key_id
        )
    except ReleaseError:
        return False
    return True


def ensure_published(settings: Settings) -> str:
    """The revision published for an OPA to start with; publish a development release of policies/ when needed.

    With no release published yet, or a development release of other policy files or signed with
    a key since replaced, this builds `dev-<hash>` from POLICY_DIR, signs and publishes it: a local
    service needs no set-up and decides with the policies/ it starts with. A named release stays
    published until another is, but must verify (else OPA would refuse it and never start). A host
    given only the verification key never signs anything: a release must be published for it.
    """
    published = settings.bundle_dir / PUBLISHED_BUNDLE
    current = bundle_revision(published)
    signs_itself = settings.release_signing_key_file is not None or settings.release_verification_key_file is None
    if current is None and not signs_itself:
        raise ReleaseError(
            f"no release is published in {settings.bundle_dir}: publish one (python -m app.policy.release)"
        )
    public_key = verification_key_pem(settings)
    if current is not None and not (signs_itself and (release_name(current) or "").startswith(DEV_PREFIX)):
        if not _verifies(settings, published, public_key):
            raise ReleaseError(
                f"the published release {current} does not verify with the verification key; "
                "publish a release signed with its private key (README: Keys)"
            )
        return current
    content = policy_revision(settings.policy_dir)
    dev_name = f"{DEV_PREFIX}{content.removeprefix('sha256-')[:12]}"
    if current == release_revision(dev_name, content) and _verifies(settings, published, public_key):
        return current
    kept = settings.release_dir / f"{dev_name}.tar.gz"
    if kept.exists() and not _verifies(settings, kept, public_key):
        kept.unlink()  # signed with a development key since replaced: development releases are rebuilt, not kept
    build_release(
        opa_binary=settings.opa_binary,
        policy_dir=settings.policy_dir,
        release_dir=settings.release_dir,
        name=dev_name,
        key=signing_key(settings),
    )
    return publish(release_dir=settings.release_dir, bundle_dir=settings.bundle_dir, name=dev_name).revision


def _list(settings: Settings) -> None:
    current = published_revision(settings.bundle_dir)
    releases = sorted(settings.release_dir.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    for path in releases:
        revision = bundle_revision(path)
        print(f"{'*' if revision == current else ' '} {path.name.removesuffix('.tar.gz'):<40} {revision}")
    if not releases:
        print(f"no releases in {settings.release_dir}")


def main(argv: list[str] | None = None) -> None:
    """Build, publish and list policy releases."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m app.policy.release", description=main.__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build and sign policies/ as a named release")
    build.add_argument("--name", required=True, help="the release's name, e.g. 2026-12-credit-3pct")
    build.add_argument("--publish", action="store_true", help="publish it once built")
    publishing = commands.add_parser("publish", help="publish a release (an earlier one to roll back)")
    publishing.add_argument("name")
    commands.add_parser("list", help="the releases built here; * marks the published one")
    commands.add_parser("ensure", help="publish a development release of policies/ unless a release is published")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            _list(settings)
            return
        if args.command == "ensure":
            print(f"published {ensure_published(settings)}")
            return
        name: str = args.name
        if args.command == "build":
            if name.startswith(DEV_PREFIX):
                raise ReleaseError(f"names starting with {DEV_PREFIX!r} are the service's development releases")
            release = build_release(
                opa_binary=settings.opa_binary,
                policy_dir=settings.policy_dir,
                release_dir=settings.release_dir,
                name=name,
                key=signing_key(settings),
            )
            print(f"built {release.path} ({release.revision})")
            if not args.publish:
                return
        if bundle_revision(settings.release_dir / f"{name}.tar.gz") is None:
            raise ReleaseError(f"no release {name!r} in {settings.release_dir} (see `list`)")
        # OPA would refuse a release that does not verify; refusing it here keeps the published one in place.
        verify_release(
            opa_binary=settings.opa_binary,
            bundle=settings.release_dir / f"{name}.tar.gz",
            public_key_pem=verification_key_pem(settings),
            key_id=settings.release_key_id,
        )
        published = publish(release_dir=settings.release_dir, bundle_dir=settings.bundle_dir, name=name)
        print(f"published {published.revision} to {published.path}")
    except (ReleaseError, ReleaseKeyError, OSError) as exc:
        sys.exit(f"release: {exc}")


if __name__ == "__main__":
    main()
