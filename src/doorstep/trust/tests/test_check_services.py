"""Background checks: consent, starting (by role), the vendor's webhooks
(signature, replays, staleness) and ops deciding "consider"."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.audit.models import AuditEntry
from doorstep.backoffice.queues import all_queues, summarise
from doorstep.core.errors import DomainError, PermissionDenied
from doorstep.trust.background_checks import setting
from doorstep.trust.background_checks.base import hmac_sha256_hex
from doorstep.trust.background_checks.sandbox import (
    deliver_due_events,
    signed_delivery,
)
from doorstep.trust.badges import badges_of
from doorstep.trust.check_models import (
    BackgroundCheck,
    BackgroundCheckConsent,
    ProcessedCheckEvent,
    SandboxCheckEvent,
)
from doorstep.trust.check_services import (
    decide_background_check,
    receive_check_webhook,
    record_consent,
    start_background_check,
)
from doorstep.trust.models import BadgeKind
from doorstep.trust.tests.conftest import consented
from tests.factories import make_ops, make_provider, make_user

pytestmark = pytest.mark.django_db
Status = BackgroundCheck.Status


@pytest.fixture(autouse=True)
def _no_sandbox_delay(settings):
    settings.DOORSTEP_CHECK_SANDBOX_DELAY_SECONDS = 0


def _later() -> None:
    """The vendor's time passes and the worker's job sends what is due."""
    deliver_due_events(now=timezone.now() + timedelta(minutes=1))


# --- Consent ----------------------------------------------------------------------


def test_consent_is_recorded_with_time_version_and_address(provider):
    consent = record_consent(
        provider=provider,
        user=provider.user,
        legal_name="  Mei   Chen ",
        agreed=True,
        ip_address="203.0.113.7",
        user_agent="Firefox",
    )
    assert consent.legal_name == "Mei Chen"
    assert consent.ip_address == "203.0.113.7"
    assert consent.text_version
    assert consent.given_at is not None


def test_consent_without_the_box_ticked_is_refused_and_nothing_written(provider):
    with pytest.raises(DomainError) as raised:
        record_consent(
            provider=provider,
            user=provider.user,
            legal_name="M",
            agreed=False,
            ip_address=None,
        )
    assert set(raised.value.fields) == {"agreed", "legal_name"}
    assert not BackgroundCheckConsent.objects.exists()


def test_nobody_consents_for_someone_else(provider):
    with pytest.raises(DomainError) as raised:
        record_consent(
            provider=provider,
            user=make_user(),
            legal_name="Mei Chen",
            agreed=True,
            ip_address=None,
        )
    assert raised.value.status == 404
    assert not BackgroundCheckConsent.objects.exists()


# --- Starting ---------------------------------------------------------------------


def test_a_check_needs_consent(provider):
    ops = make_ops("Trust & safety")
    with pytest.raises(DomainError) as raised:
        start_background_check(provider_id=provider.public_id, user=ops)
    assert raised.value.code == "background_check_consent_required"
    assert not BackgroundCheck.objects.exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("Trust & safety", True),
        ("Ops admin", True),
        ("Support", False),
        ("Finance", False),
    ],
)
def test_who_may_start_a_check(provider, role, allowed):
    consented(provider)
    ops = make_ops(role)
    if allowed:
        check = start_background_check(provider_id=provider.public_id, user=ops)
        assert check.status == Status.PENDING
        entry = AuditEntry.objects.get(action="trust.background_check.start")
        assert entry.actor == ops
        assert entry.after["check"] == check.public_id
    else:
        with pytest.raises(PermissionDenied):
            start_background_check(provider_id=provider.public_id, user=ops)
        assert not BackgroundCheck.objects.exists()
        assert not SandboxCheckEvent.objects.exists()


def test_one_check_at_a_time(provider):
    consented(provider)
    ops = make_ops("Trust & safety")
    start_background_check(provider_id=provider.public_id, user=ops)
    with pytest.raises(DomainError) as raised:
        start_background_check(provider_id=provider.public_id, user=ops)
    assert raised.value.code == "background_check_open"
    assert BackgroundCheck.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Mei Reject", "background_check_refused"),
        ("Mei Unavailable", "background_check_unavailable"),
    ],
)
def test_vendor_failures_start_nothing(provider, name, code):
    consented(provider, legal_name=name)
    with pytest.raises(DomainError) as raised:
        start_background_check(
            provider_id=provider.public_id, user=make_ops("Trust & safety")
        )
    assert raised.value.code == code
    assert not BackgroundCheck.objects.exists()


# --- Outcomes through the sandbox's webhooks --------------------------------------


def _start(provider, legal_name: str = "Mei Chen") -> BackgroundCheck:
    consented(provider, legal_name=legal_name)
    return start_background_check(
        provider_id=provider.public_id, user=make_ops("Trust & safety")
    )


def test_a_clear_result_grants_the_badge(provider):
    check = _start(provider)
    assert badges_of(provider) == []  # pending until the vendor answers

    _later()

    check.refresh_from_db()
    assert check.status == Status.CLEAR
    assert check.external_id.startswith("rpt_")
    [badge] = badges_of(provider)
    assert badge.kind == BadgeKind.BACKGROUND_CHECKED
    assert badge.source == f"check:{check.public_id}"
    assert badge.expires_at is not None


def test_a_suspended_check_waits(provider):
    check = _start(provider, legal_name="Mei Suspend")
    _later()
    check.refresh_from_db()
    assert check.status == Status.SUSPENDED
    assert badges_of(provider) == []


def test_a_cancelled_check_fails(provider):
    check = _start(provider, legal_name="Mei Cancel")
    _later()
    check.refresh_from_db()
    assert check.status == Status.FAILED


def test_consider_goes_to_the_ops_queue_and_ops_decide(provider):
    # given a check the vendor returns as "consider"
    check = _start(provider, legal_name="Mei Consider")
    _later()
    check.refresh_from_db()
    assert check.status == Status.CONSIDER
    queue = next(q for q in all_queues() if q.key == "background_checks_to_review")
    assert summarise(queue).count == 1

    # when trust & safety approve it with a reason
    ops = make_ops("Trust & safety")
    decide_background_check(
        check_id=check.public_id, user=ops, approve=True, reason="Old minor offence"
    )

    # then the provider holds the badge, the queue is empty, the trail says why
    check.refresh_from_db()
    assert check.status == Status.APPROVED
    assert [b.kind for b in badges_of(provider)] == [BadgeKind.BACKGROUND_CHECKED]
    assert summarise(queue).count == 0
    entry = AuditEntry.objects.get(action="trust.background_check.approve")
    assert (entry.reason, entry.before, entry.after) == (
        "Old minor offence",
        {"status": "consider"},
        {"status": "approved"},
    )


def test_a_rejected_check_earns_no_badge(provider):
    check = _start(provider, legal_name="Mei Consider")
    _later()
    decide_background_check(
        check_id=check.public_id,
        user=make_ops("Ops admin"),
        approve=False,
        reason="Violent offence",
    )
    check.refresh_from_db()
    assert check.status == Status.REJECTED
    assert badges_of(provider) == []


@pytest.mark.parametrize("role", ["Support", "Finance"])
def test_other_roles_cannot_decide(provider, role):
    check = _start(provider, legal_name="Mei Consider")
    _later()
    with pytest.raises(PermissionDenied):
        decide_background_check(
            check_id=check.public_id, user=make_ops(role), approve=True, reason="ok"
        )
    check.refresh_from_db()
    assert check.status == Status.CONSIDER
    assert not AuditEntry.objects.filter(action__startswith="trust.background_check.a")


def test_a_decision_needs_a_reason_and_a_check_to_review(provider):
    check = _start(provider)
    ops = make_ops("Trust & safety")
    with pytest.raises(DomainError) as raised:
        decide_background_check(
            check_id=check.public_id, user=ops, approve=True, reason=" "
        )
    assert raised.value.code == "reason_missing"
    with pytest.raises(DomainError) as raised:
        decide_background_check(
            check_id=check.public_id, user=ops, approve=True, reason="why"
        )
    assert raised.value.code == "background_check_closed"


# --- The webhook's signature, replays and staleness -------------------------------


def _final_event(check: BackgroundCheck) -> SandboxCheckEvent:
    return SandboxCheckEvent.objects.get(
        event_type="report.completed",
        payload__data__object__candidate_id=check.candidate_id,
    )


def test_a_badly_signed_event_changes_nothing(provider):
    check = _start(provider)
    body, _headers = signed_delivery(_final_event(check))

    status = receive_check_webhook(
        vendor="sandbox",
        body=body,
        headers={"X-Checkr-Signature": hmac_sha256_hex(body, key="guess")},
    )

    assert status == 400
    check.refresh_from_db()
    assert check.status == Status.PENDING
    assert not ProcessedCheckEvent.objects.exists()


def test_a_replayed_event_is_handled_once(provider):
    check = _start(provider)
    body, headers = signed_delivery(_final_event(check))

    assert receive_check_webhook(vendor="sandbox", body=body, headers=headers) == 200
    assert receive_check_webhook(vendor="sandbox", body=body, headers=headers) == 200

    assert (
        ProcessedCheckEvent.objects.filter(event_type="report.completed").count() == 1
    )
    check.refresh_from_db()
    assert check.status == Status.CLEAR


def test_an_old_event_replayed_later_is_refused(provider):
    check = _start(provider)
    body, headers = signed_delivery(_final_event(check))
    max_age = setting("DOORSTEP_CHECK_WEBHOOK_MAX_AGE_SECONDS")
    later = timezone.now() + timedelta(seconds=max_age + 60)
    status = receive_check_webhook(
        vendor="sandbox", body=body, headers=headers, now=later
    )
    assert status == 400
    check.refresh_from_db()
    assert check.status == Status.PENDING


def test_only_the_configured_vendor_is_heard(provider, settings):
    check = _start(provider)
    body, headers = signed_delivery(_final_event(check))
    settings.DOORSTEP_BACKGROUND_CHECKS = "checkr"
    assert receive_check_webhook(vendor="sandbox", body=body, headers=headers) == 404
    check.refresh_from_db()
    assert check.status == Status.PENDING


def test_an_event_about_an_unknown_check_is_left_for_a_retry():
    body = json.dumps(
        {
            "id": "evt_x",
            "type": "report.completed",
            "data": {
                "object": {
                    "object": "report",
                    "id": "r",
                    "candidate_id": "nobody",
                    "result": "clear",
                }
            },
        }
    ).encode()
    headers = {
        "X-Checkr-Signature": hmac_sha256_hex(body, key="sandbox_checks_dev_only")
    }
    assert receive_check_webhook(vendor="sandbox", body=body, headers=headers) == 404
    assert not ProcessedCheckEvent.objects.exists()


def test_late_events_do_not_reopen_a_decided_check(provider):
    check = _start(provider)
    _later()
    created = SandboxCheckEvent.objects.get(
        event_type="report.created",
        payload__data__object__candidate_id=check.candidate_id,
    )
    SandboxCheckEvent.objects.filter(pk=created.pk).update(delivered_at=None)
    body, headers = signed_delivery(created)
    ProcessedCheckEvent.objects.filter(event_id=created.event_id).delete()
    assert receive_check_webhook(vendor="sandbox", body=body, headers=headers) == 200
    check.refresh_from_db()
    assert check.status == Status.CLEAR


def test_the_factory_provider_is_not_affected():
    assert badges_of(make_provider()) == []
