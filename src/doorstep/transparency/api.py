"""The transparency log in the API: public, no sign-in. Hashes and signatures
are standard base64; an entry's ``data`` is its canonical JSON, exactly the
bytes that were hashed (see ``records``). Proofs are RFC 9162's."""

import base64
from datetime import date

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from doorstep.transparency import keys, queries
from doorstep.transparency.models import LogEntry

router = Router(tags=["transparency log"], auth=None)


def b64(value: bytes) -> str:
    return base64.b64encode(bytes(value)).decode()


class LogEntryOut(Schema):
    index: int
    kind: str = Field(description="`review.published`, `ledger.entry`, …")
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ data), base64.")
    data: str = Field(description="The canonical JSON record (UTF-8) that was hashed.")


class LogEntriesOut(Schema):
    tree_size: int = Field(description="How many entries the log holds now.")
    entries: list[LogEntryOut]


class InclusionProofOut(Schema):
    index: int
    tree_size: int
    leaf_hash: str
    proof: list[str] = Field(description="RFC 9162 inclusion path, base64 hashes.")
    root_hash: str = Field(description="The root of the tree of `tree_size`.")
    entry: LogEntryOut


class EntryProofsOut(Schema):
    id: str = Field(description="The review, ledger entry, order, payout or receipt.")
    tree_size: int
    checkpoint: str = Field(description="The signed note the proofs lead to.")
    proofs: list[InclusionProofOut]


class ConsistencyProofOut(Schema):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="RFC 9162 consistency proof, base64.")


class VerifierKeyOut(Schema):
    key: str = Field(description="Verifier key: `name+keyid+base64(0x01‖key)`.")
    name: str
    key_id: str = Field(description="4 bytes, hex.")
    public_key: str = Field(description="Ed25519 public key, base64.")
    valid_from: date | None
    valid_until: date | None = Field(description="Null for the current key.")


class EntriesIn(Schema):
    start: int = Field(ge=0, description="The first index.")
    end: int = Field(ge=0, description="One past the last index (at most 1000).")


class InclusionIn(Schema):
    index: int = Field(ge=0)
    tree_size: int | None = Field(
        None, ge=1, description="Default: the latest checkpoint's size."
    )


class TreeSizeIn(Schema):
    tree_size: int | None = Field(
        None, ge=1, description="Default: the latest checkpoint's size."
    )


class ConsistencyIn(Schema):
    first: int = Field(ge=0)
    second: int | None = Field(
        None, ge=1, description="Default: the latest checkpoint's size."
    )


def entry_out(entry: LogEntry) -> dict:
    return {
        "index": entry.index,
        "kind": entry.kind,
        "leaf_hash": b64(entry.leaf_hash),
        "data": bytes(entry.data).decode("utf-8"),
    }


def _size(requested: int | None) -> int:
    return requested if requested is not None else queries.require_checkpoint().size


def _proof_out(entry: LogEntry, proof: list[bytes], size: int, root: bytes) -> dict:
    return {
        "index": entry.index,
        "tree_size": size,
        "leaf_hash": b64(entry.leaf_hash),
        "proof": [b64(p) for p in proof],
        "root_hash": b64(root),
        "entry": entry_out(entry),
    }


@router.get(
    "/log/checkpoint",
    response={200: None},
    summary="The latest signed checkpoint",
    description="A C2SP signed note: origin, tree size, base64 root hash, a blank "
    "line and the Ed25519 signature line(s). Check it with a key from "
    "`GET /log/keys`.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The signed note.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_checkpoint(request: HttpRequest) -> HttpResponse:
    checkpoint = queries.require_checkpoint()
    response = HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@router.get(
    "/log/keys",
    response=list[VerifierKeyOut],
    summary="The keys that sign (and signed) the checkpoints",
)
def list_keys(request: HttpRequest) -> list[dict]:
    return keys.verifier_keys()


@router.get(
    "/log/entries",
    response=LogEntriesOut,
    summary="Log entries by index",
    description="Entries `start` to `end - 1`, at most 1000 at a time.",
)
def list_entries(request: HttpRequest, params: Query[EntriesIn]) -> dict:
    found = queries.entries(start=params.start, end=params.end)
    return {"tree_size": queries.tree_size(), "entries": [entry_out(e) for e in found]}


@router.get(
    "/log/proof/inclusion",
    response=InclusionProofOut,
    summary="Inclusion proof of an entry",
)
def get_inclusion_proof(request: HttpRequest, params: Query[InclusionIn]) -> dict:
    size = _size(params.tree_size)
    proof = queries.inclusion_proof(index=params.index, size=size)
    entry = queries.entry(params.index)
    return _proof_out(entry, proof, size, queries.root_hash(size))


@router.get(
    "/log/proof/inclusion/{public_id}",
    response=EntryProofsOut,
    summary="Inclusion proofs of everything logged about an id",
    description="A review (`rev_…`), ledger entry (`jnl_…`), order (`ord_…`), "
    "payout (`pyo_…`) or receipt (`fdoc_…`: the entries of its order), proved "
    "against the latest checkpoint (or `tree_size`).",
)
def get_proofs_about(
    request: HttpRequest, public_id: str, params: Query[TreeSizeIn]
) -> dict:
    checkpoint = queries.require_checkpoint()
    size = params.tree_size or checkpoint.size
    found = queries.proofs_about(public_id, size=size)
    root = queries.root_hash(size)
    return {
        "id": public_id,
        "tree_size": size,
        "checkpoint": checkpoint.note,
        "proofs": [_proof_out(entry, proof, size, root) for entry, proof in found],
    }


@router.get(
    "/log/proof/consistency",
    response=ConsistencyProofOut,
    summary="Consistency proof between two tree sizes",
    description="Proves the tree of `first` entries is a prefix of the tree of "
    "`second` (default: the latest checkpoint's size).",
)
def get_consistency_proof(request: HttpRequest, params: Query[ConsistencyIn]) -> dict:
    second = _size(params.second)
    proof = queries.consistency_proof(first=params.first, second=second)
    return {
        "first": params.first,
        "second": second,
        "first_root": b64(queries.root_hash(params.first)),
        "second_root": b64(queries.root_hash(second)),
        "proof": [b64(p) for p in proof],
    }
