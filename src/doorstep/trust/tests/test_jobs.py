"""Expiry reminders, the lapse on the day, and retention — with the clock moved."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.catalog.models import Listing
from doorstep.catalog.services import publish_listing
from doorstep.core.errors import DomainError
from doorstep.notifications.models import Notification
from doorstep.trust import services
from doorstep.trust.badges import badges_of
from doorstep.trust.models import BadgeKind, DocumentStatus, ProviderDocument
from doorstep.trust.tests.conftest import id_requirement, pdf_upload, require
from tests.factories import make_category, make_listing, make_ops, make_provider

pytestmark = pytest.mark.django_db


def _approved_health_certificate(valid_days: int):
    """A cleaner whose ID and health certificate (valid ``valid_days`` more
    days) are approved, with a published cleaning service."""
    cleaning = make_category("cleaning-jobs")
    health = require("health_certificate", category=cleaning)
    provider = make_provider()
    listing = make_listing(provider=provider, category=cleaning)
    for requirement, details in (
        (id_requirement(), {}),
        (health, {"expires_on": timezone.localdate() + timedelta(days=valid_days)}),
    ):
        services.upload_document(
            actor=provider.user,
            requirement_id=requirement.pk,
            upload=pdf_upload(),
            number="HC-20261234",
            **details,
        )
    application = services.submit_application(actor=provider.user)
    services.approve_application(
        actor=make_ops("Trust & safety"), application_id=application.public_id
    )
    document = ProviderDocument.objects.get(
        provider=provider, document_type__code="health_certificate"
    )
    return provider, listing, document


def test_reminders_go_30_and_7_days_ahead_once_each(
    django_capture_on_commit_callbacks,
):
    provider, _listing, _document = _approved_health_certificate(valid_days=40)
    now = timezone.now()

    def sweep(days_later: int) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return services.sweep_document_expiry(now=now + timedelta(days=days_later))

    assert sweep(0)["reminded"] == 0  # 40 days left
    assert sweep(10)["reminded"] == 1  # 30 days left
    assert sweep(11)["reminded"] == 0  # already reminded at 30
    assert sweep(33)["reminded"] == 1  # 7 days left
    assert sweep(34)["reminded"] == 0
    notices = Notification.objects.filter(
        recipient=provider.user, kind="verification", title__contains="expires soon"
    )
    assert notices.count() == 2


def test_on_the_expiry_day_the_badge_goes_and_the_listing_pauses(
    django_capture_on_commit_callbacks,
):
    provider, listing, document = _approved_health_certificate(valid_days=5)
    assert {b.kind for b in badges_of(provider)} == {
        BadgeKind.ID_VERIFIED,
        BadgeKind.HEALTH_CERTIFICATE,
    }

    # The day before: nothing lapses.
    day_before = timezone.now() + timedelta(days=4)
    assert services.sweep_document_expiry(now=day_before)["lapsed"] == 0

    # On the day: it lapses, its badge goes, the cleaning listing pauses and the
    # provider is told how to renew.
    with django_capture_on_commit_callbacks(execute=True):
        result = services.sweep_document_expiry(now=timezone.now() + timedelta(days=5))
    assert result == {"lapsed": 1, "paused_listings": 1, "reminded": 0}
    document.refresh_from_db()
    listing.refresh_from_db()
    assert document.status == DocumentStatus.EXPIRED
    assert listing.status == Listing.Status.PAUSED
    assert {b.kind for b in badges_of(provider)} == {BadgeKind.ID_VERIFIED}
    notice = Notification.objects.get(
        recipient=provider.user, title__contains="has expired"
    )
    assert "Verification page" in notice.body
    # Publishing again is refused until a renewed certificate is approved.
    with pytest.raises(DomainError):
        publish_listing(actor=provider.user, listing_id=listing.public_id)


def test_retention_deletes_files_only_after_the_period(
    settings, django_capture_on_commit_callbacks
):
    settings.DOORSTEP_DOCUMENT_RETENTION_DAYS = 30
    provider = make_provider()
    document = services.upload_document(
        actor=provider.user,
        requirement_id=id_requirement().pk,
        upload=pdf_upload(),
        number="310101199001011234",
    )
    application = services.submit_application(actor=provider.user)
    services.reject_application(
        actor=make_ops("Trust & safety"),
        application_id=application.public_id,
        reason="Not readable.",
    )
    document.refresh_from_db()
    path = document.file.path
    keeper = make_provider()
    kept = services.upload_document(
        actor=keeper.user,
        requirement_id=id_requirement().pk,
        upload=pdf_upload(),
        number="310101199001019999",
    )

    assert services.purge_document_files(now=timezone.now() + timedelta(days=29)) == 0
    assert os.path.exists(path)

    with django_capture_on_commit_callbacks(execute=True):
        purged = services.purge_document_files(now=timezone.now() + timedelta(days=31))
    assert purged == 1
    document.refresh_from_db()
    assert document.file_deleted_at is not None
    assert not document.file
    assert not document.number
    assert not os.path.exists(path)
    kept.refresh_from_db()
    assert kept.file_deleted_at is None


def test_retention_deletes_the_documents_of_a_closed_account(settings):
    settings.DOORSTEP_DOCUMENT_RETENTION_DAYS = 30
    provider = make_provider()
    document = services.upload_document(
        actor=provider.user,
        requirement_id=id_requirement().pk,
        upload=pdf_upload(),
        number="310101199001011234",
    )
    user = provider.user
    user.deleted_at = timezone.now()
    user.is_active = False
    user.save(update_fields=["deleted_at", "is_active"])

    assert services.purge_document_files(now=timezone.now() + timedelta(days=31)) == 1
    document.refresh_from_db()
    assert document.file_deleted_at is not None
