"""The application process: upload, submit, ops decide; badges follow."""

import pytest
from django.utils import timezone

from doorstep.audit.queries import entries_for
from doorstep.core.errors import Conflict, DomainError, PermissionDenied
from doorstep.notifications.models import Notification
from doorstep.trust import services
from doorstep.trust.badges import badges_of
from doorstep.trust.models import (
    ApplicationStatus,
    BadgeKind,
    DocumentStatus,
    ProviderApplication,
    ProviderDocument,
)
from doorstep.trust.tests.conftest import id_requirement, pdf_upload, require
from tests.factories import make_category, make_ops, make_provider

pytestmark = pytest.mark.django_db


def _applicant():
    provider = make_provider()
    requirement = id_requirement()
    return provider, requirement


def _upload(provider, requirement, **details):
    return services.upload_document(
        actor=provider.user,
        requirement_id=requirement.pk,
        upload=details.pop("upload", pdf_upload()),
        number=details.pop("number", "310101199001011234"),
        **details,
    )


def _submitted():
    provider, requirement = _applicant()
    document = _upload(provider, requirement)
    application = services.submit_application(actor=provider.user)
    return provider, document, application


def test_a_provider_uploads_submits_and_ops_approve_with_a_badge(
    django_capture_on_commit_callbacks,
):
    # Given a provider with their ID uploaded and submitted
    provider, document, application = _submitted()
    assert application.status == ApplicationStatus.SUBMITTED
    ops = make_ops("Trust & safety")

    # When ops approve
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_application(actor=ops, application_id=application.public_id)

    # Then the application and the document are approved, the ID badge is live,
    # verified_at is set, the decision is audited and the provider told
    application.refresh_from_db()
    document.refresh_from_db()
    provider.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert document.status == DocumentStatus.APPROVED
    assert [badge.kind for badge in badges_of(provider)] == [BadgeKind.ID_VERIFIED]
    assert provider.verified_at is not None
    [entry] = entries_for(application)
    assert entry.action == "verification.approve"
    assert entry.after == {"status": "approved"}
    assert Notification.objects.filter(
        recipient=provider.user, kind="verification"
    ).exists()


def test_changes_requested_then_resubmitted_then_approved(
    django_capture_on_commit_callbacks,
):
    provider, document, application = _submitted()
    ops = make_ops("Trust & safety")

    # When ops ask for changes with a reason
    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(
            actor=ops,
            application_id=application.public_id,
            reason="The photo is blurry.",
        )

    # Then the provider sees the reason and can upload again and resubmit
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CHANGES_REQUESTED
    assert application.reason == "The photo is blurry."
    notice = Notification.objects.get(recipient=provider.user, kind="verification")
    assert "The photo is blurry." in notice.body
    new = _upload(provider, id_requirement())
    document.refresh_from_db()
    assert document.status == DocumentStatus.REPLACED
    assert not document.file
    services.submit_application(actor=provider.user)
    services.approve_application(actor=ops, application_id=application.public_id)
    new.refresh_from_db()
    assert new.status == DocumentStatus.APPROVED


def test_rejection_needs_a_reason_and_rejects_the_waiting_documents():
    provider, document, application = _submitted()
    ops = make_ops("Trust & safety")

    with pytest.raises(DomainError) as refused:
        services.reject_application(
            actor=ops, application_id=application.public_id, reason="  "
        )
    assert refused.value.fields == {"reason": ["Tell the provider why."]}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    services.reject_application(
        actor=ops, application_id=application.public_id, reason="Not a real ID."
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.REJECTED
    assert document.retired_at is not None
    # A rejected applicant cannot upload or submit again.
    with pytest.raises(Conflict):
        _upload(provider, id_requirement())
    with pytest.raises(Conflict):
        services.submit_application(actor=provider.user)


def test_submitting_without_the_mandatory_documents_is_refused():
    provider, _requirement = _applicant()
    with pytest.raises(DomainError) as refused:
        services.submit_application(actor=provider.user)
    assert refused.value.code == "documents_missing"
    assert not ProviderApplication.objects.filter(provider=provider).exclude(
        status=ApplicationStatus.APPLYING
    )


def test_a_submitted_application_cannot_be_changed_or_decided_twice():
    provider, _document, application = _submitted()
    ops = make_ops("Trust & safety")
    with pytest.raises(Conflict):
        _upload(provider, id_requirement())
    services.approve_application(actor=ops, application_id=application.public_id)
    with pytest.raises(Conflict):
        services.approve_application(actor=ops, application_id=application.public_id)


@pytest.mark.parametrize("role", ["Support", "Finance"])
def test_ops_without_verify_providers_cannot_decide(role):
    _provider, document, application = _submitted()
    ops = make_ops(role)
    for decide in (services.approve_application, services.reject_application):
        with pytest.raises(PermissionDenied):
            decide(actor=ops, application_id=application.public_id, reason="x")
    with pytest.raises(PermissionDenied):
        services.review_document(
            actor=ops, document_id=document.public_id, approve=True
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not entries_for(application).exists()


def test_a_provider_cannot_decide_their_own_application():
    provider, _document, application = _submitted()
    with pytest.raises(PermissionDenied):
        services.approve_application(
            actor=provider.user, application_id=application.public_id
        )


def test_bad_details_are_refused_and_nothing_is_written():
    provider, requirement = _applicant()
    with pytest.raises(DomainError) as refused:
        _upload(provider, requirement, number="")
    assert "number" in refused.value.fields
    health = require("health_certificate")
    with pytest.raises(DomainError) as refused:
        _upload(provider, health, expires_on=timezone.localdate())
    assert "expires_on" in refused.value.fields
    with pytest.raises(DomainError) as refused:
        services.upload_document(
            actor=provider.user, requirement_id=999999, upload=pdf_upload()
        )
    assert "requirement" in refused.value.fields
    assert not ProviderDocument.objects.exists()


def test_a_licence_is_a_badge_for_its_category_until_rejected():
    electrical = make_category("electrical-work")
    provider, requirement = _applicant()
    licence = require("electrician_licence", category=electrical)
    from doorstep.catalog.models import Listing
    from tests.factories import make_listing

    make_listing(provider=provider, category=electrical, status=Listing.Status.DRAFT)
    _upload(provider, requirement)
    document = _upload(
        provider,
        licence,
        number="E-778812",
        expires_on=timezone.localdate() + timezone.timedelta(days=400),
    )
    ops = make_ops("Trust & safety")
    services.review_document(actor=ops, document_id=document.public_id, approve=True)
    [badge] = badges_of(provider)
    assert (badge.kind, badge.category) == (BadgeKind.LICENSED, electrical)
    assert badge.expires_at is not None

    services.review_document(
        actor=ops, document_id=document.public_id, approve=False, reason="Forged."
    )
    assert badges_of(provider) == []
    assert [e.action for e in entries_for(document)] == [
        "documents.reject",
        "documents.approve",
    ]
