"""The publishing gate: mandatory documents for the category and region first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.catalog.models import Listing
from doorstep.catalog.services import publish_listing
from doorstep.core.errors import DomainError
from doorstep.trust import services
from doorstep.trust.regions import region_of
from doorstep.trust.tests.conftest import id_requirement, pdf_upload, require
from tests.factories import (
    SAN_FRANCISCO,
    SHANGHAI,
    make_category,
    make_listing,
    make_ops,
    make_provider,
)

pytestmark = pytest.mark.django_db


def test_production_requires_documents_by_default():
    from doorstep import settings as production

    assert production.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS is True


def _draft(provider, category=None):
    return make_listing(
        provider=provider, category=category, status=Listing.Status.DRAFT
    )


def _approve_all(provider, requirements, **details):
    for requirement in requirements:
        services.upload_document(
            actor=provider.user,
            requirement_id=requirement.pk,
            upload=pdf_upload(),
            number="N-12345678",
            **details,
        )
    application = services.submit_application(actor=provider.user)
    services.approve_application(
        actor=make_ops("Trust & safety"), application_id=application.public_id
    )


def test_a_new_provider_cannot_publish_until_their_id_is_approved():
    provider = make_provider()
    listing = _draft(provider)
    id_requirement()

    with pytest.raises(DomainError) as refused:
        publish_listing(actor=provider.user, listing_id=listing.public_id)
    assert "ID card" in refused.value.fields["__all__"][0]

    _approve_all(provider, [id_requirement()])
    published = publish_listing(actor=provider.user, listing_id=listing.public_id)
    assert published.status == Listing.Status.PUBLISHED


def test_a_category_requirement_applies_to_its_sub_categories_only():
    cleaning = make_category("house-cleaning")
    deep = make_category("deep-house-cleaning", parent=cleaning)
    tutoring = make_category("tutoring-lessons")
    health = require("health_certificate", category=cleaning)
    provider = make_provider()
    _approve_all(provider, [id_requirement()])

    assert publish_listing(
        actor=provider.user, listing_id=_draft(provider, tutoring).public_id
    )
    with pytest.raises(DomainError):
        publish_listing(
            actor=provider.user, listing_id=_draft(provider, deep).public_id
        )
    assert health in services.queries.missing_requirements(provider, deep)


def test_a_regional_requirement_applies_only_in_its_city():
    electrical = make_category("electrics")
    require("electrician_licence", category=electrical, region="shanghai")
    in_shanghai = make_provider(at=SHANGHAI)
    in_san_francisco = make_provider(at=SAN_FRANCISCO)
    assert region_of(in_shanghai) == "shanghai"
    assert region_of(in_san_francisco) == "san-francisco"
    assert region_of(make_provider(at=(0.0, 0.0))) == ""
    for provider in (in_shanghai, in_san_francisco):
        _approve_all(provider, [id_requirement()])

    assert publish_listing(
        actor=in_san_francisco.user,
        listing_id=_draft(in_san_francisco, electrical).public_id,
    )
    with pytest.raises(DomainError):
        publish_listing(
            actor=in_shanghai.user, listing_id=_draft(in_shanghai, electrical).public_id
        )


def test_an_optional_or_expired_document_does_not_open_the_gate(settings):
    provider = make_provider()
    listing = _draft(provider)
    _approve_all(provider, [id_requirement()])
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = False
    assert services.documents_missing_for(listing) == {}
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True
    assert services.documents_missing_for(listing) == {}
    later = timezone.localdate() + timedelta(days=3650)
    assert services.queries.missing_requirements(provider, today=later) == []


def test_rejecting_an_approved_id_pauses_the_services_that_needed_it():
    provider = make_provider()
    listing = _draft(provider)
    _approve_all(provider, [id_requirement()])
    publish_listing(actor=provider.user, listing_id=listing.public_id)
    document = provider.documents.get(status="approved")

    services.review_document(
        actor=make_ops("Trust & safety"),
        document_id=document.public_id,
        approve=False,
        reason="The ID belongs to someone else.",
    )

    listing.refresh_from_db()
    provider.refresh_from_db()
    assert listing.status == Listing.Status.PAUSED
    assert provider.verified_at is None
