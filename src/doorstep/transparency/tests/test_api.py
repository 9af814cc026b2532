import base64

import pytest

from doorstep.transparency import merkle, signing
from doorstep.transparency.tests.conftest import make_journal_entry, settle_and_append

pytestmark = pytest.mark.django_db

API = "/api/v1/log"


def _b(value: str) -> bytes:
    return base64.b64decode(value)


def _problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_the_checkpoint_is_a_plain_text_signed_note(client, published):
    _, _, checkpoint = published
    response = client.get(f"{API}/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    note = response.content.decode()
    assert signing.open_checkpoint(note, signing.verifier_key()).size == checkpoint.size


def test_no_checkpoint_yet_is_a_404_problem(client):
    _problem(client.get(f"{API}/checkpoint"), 404, "log_no_checkpoint")


def test_the_keys_list_the_current_key(client, published):
    keys = client.get(f"{API}/keys").json()
    assert keys[0]["key"] == signing.verifier_key()
    assert keys[0]["valid_until"] is None


def test_entries_by_range_carry_their_hashed_bytes(client, published):
    body = client.get(f"{API}/entries", {"start": 0, "end": 2}).json()
    assert [e["index"] for e in body["entries"]] == [0, 1]
    for entry in body["entries"]:
        assert _b(entry["leaf_hash"]) == merkle.leaf_hash(entry["data"].encode())


def test_an_inclusion_proof_verifies_against_the_checkpoint(client, published):
    _, _, checkpoint = published
    body = client.get(f"{API}/proof/inclusion", {"index": 1}).json()
    assert body["tree_size"] == checkpoint.size
    assert merkle.verify_inclusion(
        index=1,
        size=checkpoint.size,
        leaf=merkle.leaf_hash(body["entry"]["data"].encode()),
        proof=[_b(p) for p in body["proof"]],
        root=bytes(checkpoint.root_hash),
    )


def test_proofs_by_review_and_by_journal_entry_id(client, published):
    review, entry, checkpoint = published
    for public_id, kind in (
        (review.public_id, "review.published"),
        (entry.public_id, "ledger.entry"),
    ):
        body = client.get(f"{API}/proof/inclusion/{public_id}").json()
        assert kind in [p["entry"]["kind"] for p in body["proofs"]]
        for proof in body["proofs"]:
            assert merkle.verify_inclusion(
                index=proof["index"],
                size=checkpoint.size,
                leaf=_b(proof["leaf_hash"]),
                proof=[_b(p) for p in proof["proof"]],
                root=bytes(checkpoint.root_hash),
            )


def test_an_unknown_id_is_a_404_problem(client, published):
    _problem(
        client.get(f"{API}/proof/inclusion/rev_nothing"), 404, "log_entry_not_found"
    )


def test_a_consistency_proof_between_two_checkpoints(client, published):
    _, _, first = published
    make_journal_entry()
    make_journal_entry()
    settle_and_append()
    from doorstep.transparency.services import publish_checkpoint

    second = publish_checkpoint()
    body = client.get(
        f"{API}/proof/consistency", {"first": first.size, "second": second.size}
    ).json()
    assert merkle.verify_consistency(
        first=first.size,
        second=second.size,
        first_root=bytes(first.root_hash),
        second_root=bytes(second.root_hash),
        proof=[_b(p) for p in body["proof"]],
    )


def test_wrong_ranges_are_422_problems(client, published):
    _, _, checkpoint = published
    size = checkpoint.size
    _problem(
        client.get(f"{API}/proof/inclusion", {"index": size}),
        422,
        "log_index_out_of_range",
    )
    _problem(
        client.get(f"{API}/proof/inclusion", {"index": 0, "tree_size": size + 5}),
        422,
        "log_index_out_of_range",
    )
    _problem(
        client.get(f"{API}/proof/consistency", {"first": size, "second": 1}),
        422,
        "log_sizes_out_of_order",
    )
    _problem(
        client.get(f"{API}/entries", {"start": 3, "end": 1}),
        422,
        "log_sizes_out_of_order",
    )
    _problem(
        client.get(f"{API}/entries", {"start": 0, "end": size + 1}),
        422,
        "log_index_out_of_range",
    )
    _problem(client.get(f"{API}/proof/inclusion", {"index": -1}), 400, "invalid_input")


def test_the_openapi_document_lists_the_problems(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    inclusion = paths["/api/v1/log/proof/inclusion"]["get"]["responses"]
    consistency = paths["/api/v1/log/proof/consistency"]["get"]["responses"]
    assert {"200", "400", "404", "422"} <= set(inclusion)
    assert "422" in consistency
    assert "log_sizes_out_of_order" in str(consistency["422"])
    assert "log_index_out_of_range" in str(inclusion["422"])
    assert "401" not in inclusion  # public: no sign-in
