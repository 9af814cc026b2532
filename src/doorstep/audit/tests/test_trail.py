"""The audit trail: declared actions only, append-only, found by object and by
search."""

import pytest

from doorstep.audit.actions import define
from doorstep.audit.models import AuditEntry, AuditTrailIsAppendOnly
from doorstep.audit.queries import entries_for, search_entries
from doorstep.audit.services import SYSTEM, record
from tests.factories import make_ops, make_provider

pytestmark = pytest.mark.django_db

TEST_ACTION = define("tests.poke", "Poked (test)")


def test_an_entry_names_who_what_to_what_and_why():
    ops = make_ops("Trust & safety")
    provider = make_provider()

    entry = record(
        actor=ops,
        action=TEST_ACTION,
        target=provider,
        reason="checked by phone",
        before={"status": "active"},
        after={"status": "suspended"},
    )

    entry.refresh_from_db()
    assert entry.actor == ops
    assert entry.actor_label == ops.email
    assert entry.action == "tests.poke"
    assert entry.action_label == "Poked (test)"
    assert (entry.target_type, entry.target_id) == (
        "accounts.providerprofile",
        provider.public_id,
    )
    assert entry.target_label == str(provider)
    assert (entry.before, entry.after) == (
        {"status": "active"},
        {"status": "suspended"},
    )
    assert list(entries_for(provider)) == [entry]


def test_the_system_acts_under_its_own_name():
    entry = record(actor=None, action=TEST_ACTION, target=make_provider())

    assert entry.actor is None
    assert entry.actor_label == SYSTEM


def test_an_undeclared_action_is_refused_and_writes_nothing():
    with pytest.raises(ValueError, match="not declared"):
        record(actor=None, action="tests.typo", target=make_provider())

    assert not AuditEntry.objects.exists()


def test_entries_cannot_be_changed_or_deleted():
    entry = record(actor=None, action=TEST_ACTION, target=make_provider(), reason="a")

    entry.reason = "b"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="b")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.all().delete()

    assert AuditEntry.objects.get().reason == "a"


def test_search_matches_who_the_object_and_the_reason():
    ops = make_ops()
    first, second = make_provider(), make_provider()
    by_ops = record(
        actor=ops, action=TEST_ACTION, target=first, reason="licence forged"
    )
    by_system = record(actor=None, action=TEST_ACTION, target=second)

    assert list(search_entries(text="forged")) == [by_ops]
    assert list(search_entries(text=second.public_id)) == [by_system]
    assert list(search_entries(actor_id=ops.pk)) == [by_ops]
    assert set(search_entries(action="tests.poke")) == {by_ops, by_system}
