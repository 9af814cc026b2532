"""Test-only RSA keys for the wallet adapters, made once per test run (none is
committed): the merchant's ("app") key, the gateway's ("platform") key that
signs its answers and notifications, and an impostor's key for forgeries."""

import functools
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

RECORDINGS = Path(__file__).parent / "recordings"


def recording(name: str) -> str:
    """A recorded body as the gateway sent it (without the final newline)."""
    return (RECORDINGS / name).read_text(encoding="utf-8").rstrip("\n")


@functools.cache
def _key(role: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(role: str) -> str:
    return (
        _key(role)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def public_pem(role: str) -> str:
    return (
        _key(role)
        .public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )
