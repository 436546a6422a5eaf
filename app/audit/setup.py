"""The audit record's settings made concrete: the signing and verification keys, a sync engine."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, create_engine

from app.audit import keys
from app.config import Settings
from app.database import sync_url


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The checkpoint signing key (the development key is made on first use)."""
    return keys.load_or_create_private_key(key_file=settings.audit_signing_key_file, key_dir=settings.release_key_dir)


def verification_key(settings: Settings) -> Ed25519PublicKey:
    """The key checkpoints are verified with: the configured public key, or the signing key's public half."""
    if settings.audit_verification_key_file is not None:
        return keys.load_public_key(settings.audit_verification_key_file)
    return signing_key(settings).public_key()


def sync_engine(url: str) -> Engine:
    """A sync engine for the CLI and the verifier (sqlite or postgresql URL)."""
    return create_engine(sync_url(url))
