"""Agency reads: who is qualified for a category (documents through the trust
review), and performance."""

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone

from doorstep.accounts.models import StaffMember
from doorstep.agencies import queries, services
from doorstep.agencies.tests.helpers import agency_with_owner, join_as
from doorstep.orders.models import OrderEvent
from doorstep.orders.states import OrderState
from doorstep.reviews.models import Direction, Review
from doorstep.trust import queries as trust_queries
from doorstep.trust import services as trust
from doorstep.trust.models import BadgeKind, DocumentStatus
from doorstep.trust.tests.conftest import id_requirement, pdf_upload, require
from tests.factories import make_category, make_listing, make_ops, make_order

pytestmark = pytest.mark.django_db


def _approve(owner, staff, requirement, ops):
    document = services.upload_staff_document(
        actor=owner,
        staff_id=staff.public_id,
        requirement_id=requirement.pk,
        upload=pdf_upload(),
        number="310101199001011234",
    )
    trust.review_document(actor=ops, document_id=document.public_id, approve=True)
    return document


def _skilled(agency, category, name="Wei"):
    staff = join_as(agency, name=name)
    services.update_staff_profile(
        actor=agency.owner, staff_id=staff.public_id, categories=[category.slug]
    )
    return staff


def test_staff_qualify_once_ops_approve_their_documents():
    # given a category that needs a health certificate, and two skilled staff
    cleaning = make_category("cleaning")
    requirement = require("health_certificate", category=cleaning)
    agency, owner = agency_with_owner()
    wei = _skilled(agency, cleaning, "Wei")
    mei = _skilled(agency, cleaning, "Mei")
    unskilled = join_as(agency, name="Unskilled")
    assert not queries.staff_qualified_for(wei, cleaning)
    assert queries.qualified_staff_ids(cleaning.pk) == set()
    # when the agency uploads Wei's certificate and ops approve it
    document = services.upload_staff_document(
        actor=owner,
        staff_id=wei.public_id,
        requirement_id=requirement.pk,
        upload=pdf_upload(),
        number="HC-12345678",
        expires_on=timezone.localdate() + timedelta(days=300),
    )
    assert document.staff == wei
    assert document.provider == owner.provider_profile
    assert trust_queries.staff_documents_waiting().get() == document
    ops = make_ops("Trust & safety")
    trust.review_document(actor=ops, document_id=document.public_id, approve=True)
    # (everyone also needs an ID card: the requirement for every category)
    assert [
        req.document_type.code
        for req in trust_queries.staff_missing_requirements(wei, cleaning)
    ] == ["id_card"]
    _approve(owner, wei, id_requirement(), ops)
    # then Wei qualifies, Mei and the unskilled member do not
    assert queries.staff_qualified_for(wei, cleaning)
    assert not queries.staff_qualified_for(mei, cleaning)
    assert not queries.staff_qualified_for(unskilled, cleaning)
    assert queries.qualified_staff_ids(cleaning.pk) == {wei.pk}
    # and the agency itself gained nothing from a staff member's document
    provider = owner.provider_profile
    assert trust_queries.missing_requirements(provider, cleaning)
    assert not provider.badges.filter(kind=BadgeKind.HEALTH_CERTIFICATE).exists()
    # a deactivated staff member no longer qualifies
    services.deactivate_staff(actor=owner, staff_id=wei.public_id)
    wei.refresh_from_db()
    assert not queries.staff_qualified_for(wei, cleaning)
    assert queries.qualified_staff_ids(cleaning.pk) == set()


def test_an_expired_staff_document_does_not_count():
    cleaning = make_category("cleaning")
    requirement = require("health_certificate", category=cleaning)
    agency, owner = agency_with_owner()
    wei = _skilled(agency, cleaning)
    document = services.upload_staff_document(
        actor=owner,
        staff_id=wei.public_id,
        requirement_id=requirement.pk,
        upload=pdf_upload(),
        number="HC-1",
        expires_on=timezone.localdate() + timedelta(days=10),
    )
    ops = make_ops("Trust & safety")
    trust.review_document(actor=ops, document_id=document.public_id, approve=True)
    _approve(owner, wei, id_requirement(), ops)
    assert queries.qualified_staff_ids(cleaning.pk) == {wei.pk}
    later = timezone.localdate() + timedelta(days=11)
    assert queries.qualified_staff_ids(cleaning.pk, today=later) == set()
    assert trust_queries.staff_missing_requirements(wei, cleaning, today=later)


def test_a_second_approved_document_replaces_the_staff_members_first_only():
    cleaning = make_category("cleaning")
    requirement = require("health_certificate", category=cleaning)
    agency, owner = agency_with_owner()
    wei = _skilled(agency, cleaning, "Wei")
    mei = _skilled(agency, cleaning, "Mei")
    ops = make_ops("Trust & safety")
    expiry = timezone.localdate() + timedelta(days=200)
    documents = {}
    for staff in (wei, mei, wei):
        documents.setdefault(staff.pk, []).append(
            services.upload_staff_document(
                actor=owner,
                staff_id=staff.public_id,
                requirement_id=requirement.pk,
                upload=pdf_upload(),
                number="HC-1",
                expires_on=expiry,
            )
        )
        trust.review_document(
            actor=ops, document_id=documents[staff.pk][-1].public_id, approve=True
        )
    _approve(owner, wei, id_requirement(), ops)
    _approve(owner, mei, id_requirement(), ops)
    first, _second = documents[wei.pk]
    first.refresh_from_db()
    documents[mei.pk][0].refresh_from_db()
    assert first.status == DocumentStatus.REPLACED
    assert documents[mei.pk][0].status == DocumentStatus.APPROVED
    assert queries.qualified_staff_ids(cleaning.pk) == {wei.pk, mei.pk}


_days_ago = itertools.count(3)


def _served(staff: StaffMember, *, state: str, late_by: timedelta | None = None):
    listing = make_listing(provider=staff.agency.owner.provider_profile)
    order = make_order(
        listing=listing, state=state, starts_in=timedelta(days=-next(_days_ago))
    )
    order.staff = staff
    order.save(update_fields=["staff"])
    if late_by is not None:
        OrderEvent.objects.create(
            order=order,
            transition="start",
            from_state="on_the_way",
            to_state="in_service",
            actor="provider",
            created_at=order.starts_at + late_by,
        )
    return order


def test_performance_per_staff_member_and_for_the_agency():
    agency, owner = agency_with_owner()
    wei = join_as(agency, name="Wei")
    mei = join_as(agency, name="Mei")
    done = _served(wei, state=OrderState.COMPLETED, late_by=timedelta(minutes=5))
    late = _served(wei, state=OrderState.COMPLETED, late_by=timedelta(minutes=40))
    disputed = _served(wei, state=OrderState.DISPUTED)
    OrderEvent.objects.create(
        order=disputed,
        transition="dispute",
        from_state="delivered",
        to_state=OrderState.DISPUTED,
        actor="customer",
        created_at=timezone.now(),
    )
    meis = _served(mei, state=OrderState.COMPLETED)
    # two reviews of Wei's work; Mei's one was hidden by ops and does not count
    for order, stars, hidden in (
        (done, 5, None),
        (late, 3, None),
        (meis, 1, timezone.now()),
    ):
        Review.objects.create(
            order=order,
            direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
            author=order.customer,
            provider=order.provider,
            customer=order.customer,
            stars=stars,
            created_at=timezone.now(),
            revealed_at=timezone.now(),
            hidden_at=hidden,
        )
    services.add_assessment(
        actor=owner,
        staff_id=mei.public_id,
        subject="x",
        score=80,
        assessed_on=date(2026, 1, 1),
    )

    performance = queries.staff_performance(wei)
    assert performance.jobs_done == 2
    assert (performance.reviews, performance.rating) == (2, 4.0)
    assert (performance.started, performance.on_time_rate) == (2, 0.5)
    assert performance.complaints == 1
    assert performance.earnings == {done.currency: 2 * done.subtotal_amount}

    result = queries.agency_performance(agency)
    assert result.total.jobs_done == 3
    assert result.average_assessment == 80
    by_name = {member.display_name: perf for member, perf in result.rows}
    assert by_name["Mei"].jobs_done == 1
    assert by_name["Mei"].rating is None
