"""tools/tlog_verify.py: the independent verifier, standard library only."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tools import tlog_verify

from doorstep.transparency import signing
from doorstep.transparency.models import LogEntry
from doorstep.transparency.services import publish_checkpoint
from doorstep.transparency.tests.conftest import (
    make_journal_entry,
    make_public_review,
    settle_and_append,
)

ROOT = Path(__file__).resolve().parents[4]

# RFC 8032 section 7.1, TEST 1 and TEST 2.
RFC8032 = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb882"
        "1590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1"
        "e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


@pytest.mark.parametrize(("public", "message", "signature"), RFC8032)
def test_the_pure_ed25519_verifier_passes_rfc_8032_vectors(public, message, signature):
    public, message, signature = map(bytes.fromhex, (public, message, signature))
    assert tlog_verify.ed25519_verify_pure(public, message, signature)
    assert not tlog_verify.ed25519_verify_pure(public, message + b"x", signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not tlog_verify.ed25519_verify_pure(public, message, flipped)


@pytest.mark.parametrize("pure", [True, False])
def test_both_signature_paths_open_our_checkpoints(pure):
    note = signing.sign_checkpoint(5, b"\x07" * 32)
    origin, size, root = tlog_verify.open_checkpoint(
        note, signing.verifier_key(), pure=pure
    )
    assert (origin, size, root) == ("doorstep.dev/log", 5, b"\x07" * 32)
    forged = note.replace("\n5\n", "\n6\n")
    with pytest.raises(tlog_verify.Failure):
        tlog_verify.open_checkpoint(forged, signing.verifier_key(), pure=pure)


def _run(*args: str) -> subprocess.CompletedProcess:
    # The system's Python in isolated mode: no project, no site-packages.
    return subprocess.run(
        ["/usr/bin/python3", "-I", str(ROOT / "tools" / "tlog_verify.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def live_log(transactional_db, live_server, tmp_path):
    review = make_public_review()
    make_journal_entry()
    settle_and_append()
    first = publish_checkpoint()
    return review, first, live_server.url, tmp_path / "state.json"


def test_the_verifier_passes_against_a_live_server(live_log):
    review, first, url, state = live_log
    key = signing.verifier_key()

    seen = _run(
        "--server",
        url,
        "--key",
        key,
        "--id",
        review.public_id,
        "--state",
        str(state),
        "--pure",
        "--audit",
    )
    make_journal_entry()
    settle_and_append()
    publish_checkpoint()
    later = _run("--server", url, "--key", key, "--index", "0", "--state", str(state))

    assert seen.returncode == 0, seen.stderr
    assert "review.published" in seen.stdout
    assert f"all {first.size} entries recomputed" in seen.stdout
    assert later.returncode == 0, later.stderr
    assert f"consistent with the checkpoint of {first.size} entries" in later.stdout


def test_the_verifier_fails_on_a_tampered_entry(live_log):
    review, _, url, _ = live_log
    leaf = LogEntry.objects.get(subject=review.public_id, kind="review.published")
    LogEntry.objects.filter(pk=leaf.pk).update(
        data=bytes(leaf.data).replace(b'"stars":5', b'"stars":1')
    )
    result = _run(
        "--server", url, "--key", signing.verifier_key(), "--id", review.public_id
    )
    assert result.returncode == 1
    assert "does not hash to its leaf" in result.stderr


def test_the_verifier_fails_on_a_wrong_key(live_log):
    review, _, url, _ = live_log
    other = signing.verifier_key(public_key=b"\x01" * 32)
    result = _run("--server", url, "--key", other, "--id", review.public_id)
    assert result.returncode == 1
    assert "no signature by this key" in result.stderr or "FAILED" in result.stderr


def test_the_verifier_catches_a_rewritten_history(live_log):
    _, first, url, state = live_log
    forged_root = "A" * 43 + "="
    state.write_text(
        json.dumps(
            {"origin": "doorstep.dev/log", "size": first.size, "root": forged_root}
        )
    )
    result = _run(
        "--server", url, "--key", signing.verifier_key(), "--state", str(state)
    )
    assert result.returncode == 1
    assert "does NOT extend" in result.stderr


def test_it_imports_nothing_outside_the_standard_library():
    source = (ROOT / "tools" / "tlog_verify.py").read_text()
    imported = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imported <= set(sys.stdlib_module_names)
