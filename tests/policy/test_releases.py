"""Policy releases on disk: signed with OPA's bundle signing, immutable, published by atomic rename."""

import json
import shutil
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from app.config import Settings
from app.policy.bundle import policy_revision
from app.policy.keys import ensure_development_key_pair, verification_key_pem
from app.policy.release import (
    ReleaseError,
    build_release,
    bundle_revision,
    ensure_published,
    publish,
    published_revision,
    release_name,
    verify_release,
)
from tests.support.releases import POLICIES, policies_with_credit_finance_over, tampered

ROOT = POLICIES.parent


@pytest.fixture(scope="session")
def release_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return ensure_development_key_pair(tmp_path_factory.mktemp("keys"))


def _settings(tmp_path: Path, opa_binary: Path, key_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "opa_binary": opa_binary,
        "policy_dir": POLICIES,
        "release_dir": tmp_path / "releases",
        "bundle_dir": tmp_path / "bundle",
        "release_key_dir": key_dir,
    }
    return Settings(**(values | overrides))


def test_a_release_is_signed_and_its_revision_names_it_and_its_content(
    opa_binary: Path, release_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = release_keys
    release = build_release(
        opa_binary=opa_binary, policy_dir=POLICIES, release_dir=tmp_path, name="2026-12-first", key=private
    )

    assert release.path == tmp_path / "2026-12-first.tar.gz"
    assert release.revision == f"2026-12-first@{policy_revision(POLICIES)}"
    assert bundle_revision(release.path) == release.revision
    assert release_name(release.revision) == "2026-12-first"
    with tarfile.open(release.path) as tar:
        names = {member.name.lstrip("/") for member in tar}
        signatures = json.load(tar.extractfile("/.signatures.json"))
    assert ".signatures.json" in names and len(signatures["signatures"]) == 1
    # File names are relative to the policy directory, not this machine's paths.
    assert "retention/decision.rego" in names
    verify_release(opa_binary=opa_binary, bundle=release.path, public_key_pem=public.read_text(), key_id="k")


def test_a_tampered_unsigned_or_foreign_release_does_not_verify(
    opa_binary: Path, release_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = release_keys
    good = build_release(opa_binary=opa_binary, policy_dir=POLICIES, release_dir=tmp_path, name="good", key=private)
    other_private, _ = ensure_development_key_pair(tmp_path / "other-keys")
    foreign = build_release(
        opa_binary=opa_binary, policy_dir=POLICIES, release_dir=tmp_path / "o", name="foreign", key=other_private
    )
    unsigned = tmp_path / "unsigned.tar.gz"
    subprocess.run([str(opa_binary), "build", "--bundle", ".", "--output", str(unsigned)], cwd=POLICIES, check=True)

    for bundle, why in [
        (tampered(good.path, tmp_path / "tampered.tar.gz"), "digest mismatch"),
        (foreign.path, "verification error"),
        (unsigned, "missing .signatures.json"),
    ]:
        with pytest.raises(ReleaseError, match=why):
            verify_release(opa_binary=opa_binary, bundle=bundle, public_key_pem=public.read_text(), key_id="k")


def test_releases_never_change_once_built(opa_binary: Path, release_keys: tuple[Path, Path], tmp_path: Path) -> None:
    private, _ = release_keys
    releases = tmp_path / "releases"
    first = build_release(opa_binary=opa_binary, policy_dir=POLICIES, release_dir=releases, name="r1", key=private)
    first_bytes = first.path.read_bytes()

    again = build_release(opa_binary=opa_binary, policy_dir=POLICIES, release_dir=releases, name="r1", key=private)
    assert again == first and first.path.read_bytes() == first_bytes

    changed = policies_with_credit_finance_over(tmp_path, 3)
    with pytest.raises(ReleaseError, match="already exists with other content"):
        build_release(opa_binary=opa_binary, policy_dir=changed, release_dir=releases, name="r1", key=private)
    assert first.path.read_bytes() == first_bytes
    second = build_release(opa_binary=opa_binary, policy_dir=changed, release_dir=releases, name="r2", key=private)
    assert second.revision == f"r2@{policy_revision(changed)}" != first.revision
    with pytest.raises(ReleaseError, match="release name"):
        build_release(opa_binary=opa_binary, policy_dir=POLICIES, release_dir=releases, name="../up", key=private)
    assert sorted(p.name for p in releases.iterdir()) == ["r1.tar.gz", "r2.tar.gz"]  # no partial files left


def test_publishing_replaces_the_bundle_and_an_earlier_release_rolls_back(
    opa_binary: Path, release_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, _ = release_keys
    releases, bundle_dir = tmp_path / "releases", tmp_path / "bundle"
    r1 = build_release(opa_binary=opa_binary, policy_dir=POLICIES, release_dir=releases, name="r1", key=private)
    changed = policies_with_credit_finance_over(tmp_path, 3)
    r2 = build_release(opa_binary=opa_binary, policy_dir=changed, release_dir=releases, name="r2", key=private)
    assert published_revision(bundle_dir) is None

    publish(release_dir=releases, bundle_dir=bundle_dir, name="r1")
    assert published_revision(bundle_dir) == r1.revision
    publish(release_dir=releases, bundle_dir=bundle_dir, name="r2")
    assert published_revision(bundle_dir) == r2.revision
    publish(release_dir=releases, bundle_dir=bundle_dir, name="r1")
    assert (bundle_dir / "bundle.tar.gz").read_bytes() == r1.path.read_bytes()
    assert [p.name for p in bundle_dir.iterdir()] == ["bundle.tar.gz"]
    with pytest.raises(ReleaseError, match="no release 'r3'"):
        publish(release_dir=releases, bundle_dir=bundle_dir, name="r3")
    assert published_revision(bundle_dir) == r1.revision


def test_a_development_release_is_published_when_none_is_and_follows_policies_until_a_named_one_is(
    opa_binary: Path, tmp_path: Path
) -> None:
    key_dir = tmp_path / "keys"
    settings = _settings(tmp_path, opa_binary, key_dir)

    first = ensure_published(settings)  # nothing published, no keys: both made here
    content = policy_revision(POLICIES)
    assert first == f"dev-{content.removeprefix('sha256-')[:12]}@{content}"
    assert stat.S_IMODE((key_dir / "release-signing.pem").stat().st_mode) == 0o600
    assert ensure_published(settings) == first  # unchanged policies: nothing rebuilt

    changed = policies_with_credit_finance_over(tmp_path, 3)
    following = ensure_published(settings.model_copy(update={"policy_dir": changed}))
    assert release_name(following).startswith("dev-") and following.endswith(policy_revision(changed))

    named = build_release(
        opa_binary=opa_binary,
        policy_dir=POLICIES,
        release_dir=settings.release_dir,
        name="2026-12-named",
        key=key_dir / "release-signing.pem",
    )
    publish(release_dir=settings.release_dir, bundle_dir=settings.bundle_dir, name=named.name)
    assert ensure_published(settings.model_copy(update={"policy_dir": changed})) == named.revision


def test_a_host_with_only_the_verification_key_never_signs_a_release_itself(
    opa_binary: Path, release_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    settings = _settings(tmp_path, opa_binary, tmp_path / "keys", release_verification_key_file=release_keys[1])
    with pytest.raises(ReleaseError, match="no release is published"):
        ensure_published(settings)
    assert not (tmp_path / "keys").exists()


def test_the_verification_key_is_the_setting_else_the_signing_keys_public_half(
    opa_binary: Path, release_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = release_keys
    derived = _settings(tmp_path, opa_binary, tmp_path / "unused", release_signing_key_file=private)
    assert verification_key_pem(derived) == public.read_text()
    other_public = ensure_development_key_pair(tmp_path / "other")[1]
    explicit = derived.model_copy(update={"release_verification_key_file": other_public})
    assert verification_key_pem(explicit) == other_public.read_text()
    assert not (tmp_path / "unused").exists()


def test_the_release_command_builds_publishes_and_refuses_what_would_not_verify(
    opa_binary: Path, release_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    env = {
        "RELEASE_DIR": str(tmp_path / "releases"),
        "BUNDLE_DIR": str(tmp_path / "bundle"),
        "RELEASE_SIGNING_KEY_FILE": str(release_keys[0]),
        "OPA_BINARY": str(opa_binary),
        "PATH": "/usr/bin:/bin",
    }

    def release(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "app.policy.release", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)

    built = release("build", "--name", "2026-12-first", "--publish")
    assert built.returncode == 0, built.stderr
    assert published_revision(tmp_path / "bundle") == f"2026-12-first@{policy_revision(POLICIES)}"

    foreign_key = ensure_development_key_pair(tmp_path / "foreign")[0]
    build_release(
        opa_binary=opa_binary, policy_dir=POLICIES, release_dir=tmp_path / "releases", name="foreign", key=foreign_key
    )
    refused = release("publish", "foreign")
    assert refused.returncode == 1 and "does not verify" in refused.stderr
    assert published_revision(tmp_path / "bundle") == f"2026-12-first@{policy_revision(POLICIES)}"
    listed = release("list").stdout
    assert "* 2026-12-first" in listed and "  foreign" in listed


def test_a_development_release_signed_with_a_replaced_key_is_rebuilt_and_a_named_one_must_verify(
    opa_binary: Path, release_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    key_dir = tmp_path / "keys"
    settings = _settings(tmp_path, opa_binary, key_dir)
    first = ensure_published(settings)
    old_public = (key_dir / "release-signing.pub.pem").read_text()

    shutil.rmtree(key_dir)  # the developer deleted var/keys: the next start makes a new pair
    assert ensure_published(settings) == first
    new_public = (key_dir / "release-signing.pub.pem").read_text()
    assert new_public != old_public
    published = settings.bundle_dir / "bundle.tar.gz"
    verify_release(opa_binary=opa_binary, bundle=published, public_key_pem=new_public, key_id="k")

    # A named release signed with another key is never replaced, and the service says why it cannot start.
    build_release(
        opa_binary=opa_binary, policy_dir=POLICIES, release_dir=settings.release_dir, name="named", key=release_keys[0]
    )
    publish(release_dir=settings.release_dir, bundle_dir=settings.bundle_dir, name="named")
    with pytest.raises(ReleaseError, match=r"the published release named@\S+ does not verify"):
        ensure_published(settings)
    assert release_name(published_revision(settings.bundle_dir)) == "named"
