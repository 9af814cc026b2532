"""Checkpoints as C2SP signed notes (``signed-note.md``, ``tlog-checkpoint.md``).

A checkpoint's text is three lines — the log's origin, the tree size in decimal,
the root hash in standard base64 — each ending in a newline. The note adds a
blank line and one signature line per signer::

    doorstep.dev/log
    1234
    Xy3...=

    — doorstep.dev/log Ab12...==

The signature line is an em dash (U+2014), a space, the key name, a space and
base64 of the 4-byte key id followed by the 64-byte Ed25519 signature of the
text (everything before the blank line, with its final newline). The key id is
the first 4 bytes of ``SHA-256(name || 0x0A || 0x01 || public key)`` (0x01:
the Ed25519 algorithm byte). A verifier key is written as Go's ``note`` package
writes it: ``<name>+<key id, hex>+<base64(0x01 || public key)>``.
"""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "


class NoteError(ValueError):
    """A note that does not parse, or whose signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def key_id(name: str, public_key: bytes) -> bytes:
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([ALGORITHM_ED25519]) + public_key
    ).digest()
    return digest[:4]


def signing_key() -> Ed25519PrivateKey:
    try:
        seed = base64.b64decode(settings.DOORSTEP_TLOG_SIGNING_KEY, validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except ValueError as error:
        raise ImproperlyConfigured(
            "DOORSTEP_TLOG_SIGNING_KEY must be 32 bytes in base64 "
            "(make one with `doorstep log keygen`)"
        ) from error


def public_key_bytes(key: Ed25519PrivateKey | None = None) -> bytes:
    key = key or signing_key()
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_name() -> str:
    return settings.DOORSTEP_TLOG_ORIGIN


def verifier_key(name: str | None = None, public_key: bytes | None = None) -> str:
    name = name or key_name()
    public_key = public_key or public_key_bytes()
    encoded = base64.b64encode(bytes([ALGORITHM_ED25519]) + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, bytes, bytes]:
    """``(name, key id, public key)`` of ``name+hexid+base64key``."""
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
        identifier = bytes.fromhex(hex_id)
    except ValueError as error:
        raise NoteError(f"not a verifier key: {error}") from error
    if len(raw) != 33 or raw[0] != ALGORITHM_ED25519:
        raise NoteError("only Ed25519 verifier keys are supported")
    if key_id(name, raw[1:]) != identifier:
        raise NoteError("the verifier key's id does not match its key")
    return name, identifier, raw[1:]


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_checkpoint(size: int, root: bytes) -> str:
    """The signed note of ``size`` and ``root`` under this log's key."""
    key = signing_key()
    name = key_name()
    text = checkpoint_text(settings.DOORSTEP_TLOG_ORIGIN, size, root)
    signature = key.sign(text.encode("utf-8"))
    identifier = key_id(name, public_key_bytes(key))
    line = base64.b64encode(identifier + signature).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{name} {line}\n"


def open_checkpoint(note: str, verifier: str) -> Checkpoint:
    """Verify ``note`` with ``verifier`` (a verifier key) and parse it. Raises
    :class:`NoteError` unless a signature line of that key verifies."""
    name, identifier, public = parse_verifier_key(verifier)
    text, separator, signatures = note.partition("\n\n")
    if not separator or not text:
        raise NoteError("a note has a text, a blank line and signatures")
    text += "\n"
    verified = False
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line starts with an em dash and a space")
        signer, _, encoded = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError as error:
            raise NoteError("a signature is not base64") from error
        if signer != name or raw[:4] != identifier or len(raw) != 68:
            continue  # someone else's signature (a witness, an older key)
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(
                raw[4:], text.encode("utf-8")
            )
        except InvalidSignature as error:
            raise NoteError("the signature does not verify") from error
        verified = True
    if not verified:
        raise NoteError("no signature by this key")
    lines = text.split("\n")
    try:
        origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2])
    except (IndexError, ValueError) as error:
        raise NoteError("not a checkpoint") from error
    if len(root) != 32 or size < 0 or not origin:
        raise NoteError("not a checkpoint")
    return Checkpoint(origin=origin, size=size, root=root)
