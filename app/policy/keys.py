"""The keys of policy releases: the production keys named in settings, or a development pair made on first use.

Releases are signed RS256 (OPA's bundle signing). The private key signs releases and
belongs only where releases are built; the public key is all OPA needs to verify them.
Keys are made and read with the openssl command line: the service has no crypto
library of its own, and OPA only ever sees the PEM text.
"""

import contextlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

from app.config import Settings

DEV_PRIVATE_KEY = "release-signing.pem"
DEV_PUBLIC_KEY = "release-signing.pub.pem"


class ReleaseKeyError(RuntimeError):
    """A key is missing or unreadable, or openssl is not there to make one."""


def _openssl(*args: str) -> bytes:
    binary = shutil.which("openssl")
    if binary is None:
        raise ReleaseKeyError(
            "openssl is not installed: it is needed to make the development release key pair "
            "(or set RELEASE_SIGNING_KEY_FILE and RELEASE_VERIFICATION_KEY_FILE)."
        )
    result = subprocess.run([binary, *args], capture_output=True, check=False)
    if result.returncode != 0:
        raise ReleaseKeyError(f"openssl {args[0]} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _write_new(path: Path, content: bytes, *, mode: int) -> bool:
    """Write a file that must not exist yet; False when another process wrote it first (theirs is kept)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    try:
        # A hard link fails when the target exists, so two workers starting together keep one key, not two halves.
        os.link(partial, path)
        return True
    except FileExistsError:
        return False
    finally:
        partial.unlink()


def public_key_pem(private_key: Path) -> bytes:
    """The public half of a PEM private key."""
    if not private_key.is_file():
        raise ReleaseKeyError(f"release signing key not found: {private_key}")
    return _openssl("pkey", "-in", str(private_key), "-pubout")


def ensure_development_key_pair(key_dir: Path) -> tuple[Path, Path]:
    """The development key pair in key_dir, generated on first use; returns (private key, public key)."""
    private, public = key_dir / DEV_PRIVATE_KEY, key_dir / DEV_PUBLIC_KEY
    if not private.exists():
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072")
        if _write_new(private, pem, mode=0o600):
            # A public key left by an earlier private key would verify nothing this one signs.
            with contextlib.suppress(FileNotFoundError):
                public.unlink()
    if not public.exists():
        _write_new(public, public_key_pem(private), mode=0o644)
    return private, public


def signing_key(settings: Settings) -> Path:
    """The private key that signs releases: RELEASE_SIGNING_KEY_FILE, else the development key."""
    if settings.release_signing_key_file is not None:
        if not settings.release_signing_key_file.is_file():
            raise ReleaseKeyError(f"RELEASE_SIGNING_KEY_FILE not found: {settings.release_signing_key_file}")
        return settings.release_signing_key_file
    return ensure_development_key_pair(settings.release_key_dir)[0]


def verification_key_pem(settings: Settings) -> str:
    """The public key OPA verifies releases with, as PEM text.

    RELEASE_VERIFICATION_KEY_FILE; else the public half of RELEASE_SIGNING_KEY_FILE; else the
    development key's, so a local service verifies exactly what its own release command signs.
    """
    if settings.release_verification_key_file is not None:
        try:
            return settings.release_verification_key_file.read_text(encoding="ascii")
        except OSError as exc:
            raise ReleaseKeyError(f"RELEASE_VERIFICATION_KEY_FILE unreadable: {exc}") from exc
    if settings.release_signing_key_file is not None:
        return public_key_pem(settings.release_signing_key_file).decode("ascii")
    return ensure_development_key_pair(settings.release_key_dir)[1].read_text(encoding="ascii")
