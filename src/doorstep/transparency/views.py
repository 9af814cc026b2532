"""Public pages: what the log is, and "verify this review/receipt"."""

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from doorstep.core.errors import NotFound
from doorstep.transparency import keys, merkle, queries
from doorstep.transparency.api import b64


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    checkpoint = queries.latest_checkpoint()
    return render(
        request,
        "transparency/overview.html",
        {"checkpoint": checkpoint, "keys": keys.verifier_keys()},
    )


@require_GET
def verify(request: HttpRequest, public_id: str) -> HttpResponse:
    """The entries about a review, receipt, order, payout or ledger entry, each
    with its inclusion proof, checked here against the latest checkpoint and
    laid out so anyone can check it again elsewhere."""
    checkpoint = queries.latest_checkpoint()
    try:
        if checkpoint is None:
            raise NotFound("log_no_checkpoint", "")
        found = queries.proofs_about(public_id, size=checkpoint.size)
    except NotFound:
        # Not logged (yet: the log takes a few minutes to catch up), or never.
        context = {"public_id": public_id, "pending": True}
        return render(request, "transparency/verify.html", context, status=404)
    root = bytes(checkpoint.root_hash)
    proofs = []
    for entry, proof in found:
        data = bytes(entry.data)
        proofs.append(
            {
                "entry": entry,
                "record": json.dumps(json.loads(data), indent=2, ensure_ascii=False),
                "data": data.decode("utf-8"),
                "leaf_hash": b64(entry.leaf_hash),
                "proof": [b64(p) for p in proof],
                "verified": merkle.verify_inclusion(
                    index=entry.index,
                    size=checkpoint.size,
                    leaf=merkle.leaf_hash(data),
                    proof=proof,
                    root=root,
                ),
            }
        )
    return render(
        request,
        "transparency/verify.html",
        {
            "public_id": public_id,
            "checkpoint": checkpoint,
            "proofs": proofs,
            "keys": keys.verifier_keys(),
            "site": request.build_absolute_uri("/").rstrip("/"),
        },
    )
