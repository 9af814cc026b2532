#!/usr/bin/env python3
"""Check a Doorstep transparency log over HTTP, trusting nothing but a public key.

Standard library only (``urllib`` for HTTP, ``hashlib`` for SHA-256/512). Ed25519
signatures are checked with the ``cryptography`` package when it is importable,
otherwise with the pure-Python RFC 8032 verifier below (``--pure`` forces it).

    python3 tools/tlog_verify.py --server https://market.example.com \\
        --key 'doorstep.dev/log+54562303+ART3...' [--id rev_...] [--index 12] \\
        [--state ~/.doorstep-log.json] [--audit]

1. Fetches the latest checkpoint (a C2SP signed note) and checks its signature.
2. ``--id``: fetches the inclusion proofs of everything logged about a review,
   receipt, order, payout or ledger entry and checks each entry's leaf hash and
   proof against the checkpoint's root. ``--index``: the same for one entry.
3. ``--state FILE``: remembers the last checkpoint it verified; next time it
   asks for a consistency proof from that one to the new one and checks it, so
   the log can never rewrite what you once saw (``--from-size``/``--from-root``
   give the old checkpoint by hand).
4. ``--audit``: downloads every entry, recomputes the root and compares.

Exit status 0 when everything checks, 1 otherwise (with the reason on stderr).
"""

import argparse
import base64
import hashlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

# --- Ed25519 verification (RFC 8032 section 6, the reference) --------------------

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _add(p: tuple, q: tuple) -> tuple:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f, g * h, f * g, e * h)


def _mul(s: int, p: tuple) -> tuple:
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _equal(p: tuple, q: tuple) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (
        p[1] * q[2] - q[1] * p[2]
    ) % _P == 0


def _decompress(raw: bytes) -> tuple | None:
    if len(raw) != 32:
        return None
    y = int.from_bytes(raw, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
_G = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify_pure(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    digest = hashlib.sha512(signature[:32] + public + message).digest()
    h = int.from_bytes(digest, "little") % _L
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


def ed25519_verify(
    public: bytes, message: bytes, signature: bytes, *, pure: bool = False
) -> bool:
    if not pure:
        try:
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives.asymmetric.ed25519 import (
                Ed25519PublicKey,
            )
        except ImportError:
            pass
        else:
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
            except (InvalidSignature, ValueError):
                return False
            return True
    return ed25519_verify_pure(public, message, signature)


# --- RFC 6962 / 9162 hashing and proof verification ------------------------------

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index: int, size: int, leaf: bytes, proof, root: bytes) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof
) -> bool:
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(sibling, fr), node_hash(sibling, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


def tree_root(hashes: list[bytes]) -> bytes:
    """MTH over leaf hashes (for --audit), with O(log n) memory."""
    stack: list[tuple[int, bytes]] = []
    for value in hashes:
        level = 0
        while stack and stack[-1][0] == level:
            value = node_hash(stack.pop()[1], value)
            level += 1
        stack.append((level, value))
    if not stack:
        return EMPTY_ROOT
    value = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        value = node_hash(left, value)
    return value


# --- Signed notes (C2SP signed-note, tlog-checkpoint) -----------------------------


class Failure(Exception):
    pass


def parse_verifier_key(text: str) -> tuple[str, bytes, bytes]:
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
        identifier = bytes.fromhex(hex_id)
    except ValueError as error:
        raise Failure(f"not a verifier key: {error}") from error
    if len(raw) != 33 or raw[0] != 1:
        raise Failure("not an Ed25519 verifier key")
    expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if expected != identifier:
        raise Failure("the verifier key's id does not match its key")
    return name, identifier, raw[1:]


def open_checkpoint(note: str, key: str, *, pure: bool) -> tuple[str, int, bytes]:
    name, identifier, public = parse_verifier_key(key)
    text, separator, signatures = note.partition("\n\n")
    if not separator:
        raise Failure("the checkpoint is not a signed note")
    text += "\n"
    signed = False
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            raise Failure("malformed signature line")
        signer, _, encoded = line[2:].rpartition(" ")
        raw = base64.b64decode(encoded)
        if signer == name and raw[:4] == identifier and len(raw) == 68:
            if not ed25519_verify(public, text.encode(), raw[4:], pure=pure):
                raise Failure("the checkpoint's signature does NOT verify")
            signed = True
    if not signed:
        raise Failure("the checkpoint carries no signature by this key")
    lines = text.split("\n")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2])
    if len(root) != 32:
        raise Failure("the checkpoint's root is not a SHA-256 hash")
    return origin, size, root


# --- HTTP --------------------------------------------------------------------------


class Log:
    def __init__(self, server: str) -> None:
        if urllib.parse.urlsplit(server).scheme not in ("http", "https"):
            raise Failure("the server must be an http:// or https:// address")
        self.base = server.rstrip("/") + "/api/v1/log"

    def get(self, path: str, **query) -> bytes:
        url = self.base + path
        query = {k: v for k, v in query.items() if v is not None}
        if query:
            url += "?" + urllib.parse.urlencode(query)
        try:
            # The scheme is checked above: http or https only.
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:300]
            raise Failure(f"GET {url}: HTTP {error.code} {detail}") from error

    def json(self, path: str, **query) -> dict:
        return json.loads(self.get(path, **query))


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def check_proof(proof: dict, size: int, root: bytes) -> str:
    data = proof["entry"]["data"].encode("utf-8")
    if leaf_hash(data) != _b64(proof["leaf_hash"]):
        raise Failure(f"entry {proof['index']}: its data does not hash to its leaf")
    if proof["tree_size"] != size:
        raise Failure(f"entry {proof['index']}: proved against another size")
    if not verify_inclusion(
        proof["index"], size, leaf_hash(data), [_b64(p) for p in proof["proof"]], root
    ):
        raise Failure(f"entry {proof['index']}: the inclusion proof does NOT verify")
    return f"entry {proof['index']} ({proof['entry']['kind']}) is in the log"


def run(options: argparse.Namespace, out=sys.stdout) -> None:
    log = Log(options.server)
    note = log.get("/checkpoint").decode("utf-8")
    origin, size, root = open_checkpoint(note, options.key, pure=options.pure)
    how = "pure Python" if options.pure else "cryptography or pure Python"
    print(
        f"checkpoint of {origin}: {size} entries, signature verified ({how})", file=out
    )

    if options.id:
        body = log.json(
            f"/proof/inclusion/{urllib.parse.quote(options.id)}", tree_size=size
        )
        for proof in body["proofs"]:
            print(check_proof(proof, size, root), file=out)
    if options.index is not None:
        print(
            check_proof(
                log.json("/proof/inclusion", index=options.index, tree_size=size),
                size,
                root,
            ),
            file=out,
        )

    previous = None
    state = Path(options.state).expanduser() if options.state else None
    if state and state.exists():
        saved = json.loads(state.read_text())
        if saved.get("origin") == origin:
            previous = (saved["size"], _b64(saved["root"]))
    if options.from_size is not None and options.from_root:
        previous = (options.from_size, _b64(options.from_root))
    if previous is not None:
        old_size, old_root = previous
        if old_size > size:
            raise Failure(f"the log shrank: it had {old_size} entries, now {size}")
        body = log.json("/proof/consistency", first=old_size, second=size)
        if not verify_consistency(
            old_size, size, old_root, root, [_b64(p) for p in body["proof"]]
        ):
            raise Failure(
                f"the tree of {size} does NOT extend the one of {old_size} you saw"
            )
        print(
            f"consistent with the checkpoint of {old_size} entries seen before",
            file=out,
        )

    if options.audit:
        hashes: list[bytes] = []
        while len(hashes) < size:
            end = min(size, len(hashes) + 1000)
            body = log.json("/entries", start=len(hashes), end=end)
            for entry in body["entries"]:
                data = entry["data"].encode("utf-8")
                if leaf_hash(data) != _b64(entry["leaf_hash"]):
                    raise Failure(f"entry {entry['index']}: data and hash differ")
                hashes.append(leaf_hash(data))
        if tree_root(hashes[:size]) != root:
            raise Failure("the entries do NOT make the checkpoint's root")
        print(f"all {size} entries recomputed: the root matches", file=out)

    if state:
        state.write_text(
            json.dumps(
                {
                    "origin": origin,
                    "size": size,
                    "root": base64.b64encode(root).decode(),
                }
            )
        )
    print("OK", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="e.g. https://market.example")
    parser.add_argument("--key", required=True, help="the log's verifier key")
    parser.add_argument("--id", help="a review, receipt, order, payout or entry id")
    parser.add_argument("--index", type=int, help="one entry by its index")
    parser.add_argument("--state", help="file remembering the last checkpoint seen")
    parser.add_argument("--from-size", type=int, help="a checkpoint seen before")
    parser.add_argument("--from-root", help="its root hash (base64)")
    parser.add_argument("--audit", action="store_true", help="recompute every entry")
    parser.add_argument(
        "--pure",
        action="store_true",
        help="verify signatures in pure Python even if `cryptography` is installed",
    )
    options = parser.parse_args(argv)
    try:
        run(options)
    except Failure as error:
        sys.stderr.write(f"FAILED: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
