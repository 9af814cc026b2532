"""Ops set onboarding requirements in the console: each change audited and in
force on the next request, only for roles allowed to, bad input refused."""

import pytest
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.catalog.models import Listing
from doorstep.core.errors import DomainError
from doorstep.core.errors import PermissionDenied as DomainPermissionDenied
from doorstep.trust import requirements, services
from doorstep.trust.models import DocumentRequirement, DocumentType
from doorstep.trust.tests.conftest import id_requirement, seed_document_types
from tests.factories import (
    SAN_FRANCISCO,
    make_category,
    make_listing,
    make_ops,
    make_provider,
    make_user,
    sign_in_ops,
)

pytestmark = pytest.mark.django_db

PAGE = "/ops/verification/requirements/"


def _admin(client):
    admin = make_ops("Ops admin")
    sign_in_ops(client, admin)
    return admin


def _snapshot():
    return sorted(
        DocumentRequirement.objects.values_list(
            "document_type__code", "category_id", "region", "mandatory"
        ),
        key=str,
    )


def test_an_ops_admin_adds_a_requirement_and_the_gate_holds_at_once(client):
    """Given a Shanghai provider whose ID is all a listing needs, when an Ops
    admin requires a health certificate for its category in Shanghai, then the
    next publish check asks for it, and the change is audited."""
    seed_document_types()
    cooking = make_category("home-cooking")
    provider = make_provider()
    listing = make_listing(
        provider=provider, category=cooking, status=Listing.Status.DRAFT
    )
    id_requirement().delete()
    assert services.documents_missing_for(listing) == {}
    admin = _admin(client)

    response = client.post(
        PAGE,
        {
            "requirement-document_type": "health_certificate",
            "requirement-category": cooking.public_id,
            "requirement-region": "shanghai",
            "requirement-mandatory": "1",
        },
    )

    assert response.status_code == 302
    requirement = DocumentRequirement.objects.get(
        document_type__code="health_certificate"
    )
    assert (requirement.category, requirement.region) == (cooking, "shanghai")
    assert "Health certificate" in services.documents_missing_for(listing)["__all__"][0]
    entry = AuditEntry.objects.get(action="settings.onboarding.add_requirement")
    assert entry.actor == admin
    assert entry.after["region"] == "shanghai"
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Health certificate" in page.content.decode()


def test_making_a_requirement_optional_then_removing_it_is_audited(client):
    """Given the ID card requirement, when an Ops admin makes it optional, the
    gate opens at once; made mandatory again it closes; removed, it is gone."""
    requirement = id_requirement()
    provider = make_provider()
    listing = make_listing(provider=provider, status=Listing.Status.DRAFT)
    assert services.documents_missing_for(listing)
    _admin(client)
    url = reverse("trust:ops_change_requirement", args=[requirement.pk])

    assert client.post(url, {"action": "optional"}).status_code == 302
    assert services.documents_missing_for(listing) == {}
    client.post(url, {"action": "mandatory"})
    assert services.documents_missing_for(listing)
    client.post(url, {"action": "remove"})

    assert not DocumentRequirement.objects.filter(pk=requirement.pk).exists()
    assert services.documents_missing_for(listing) == {}
    actions = list(
        AuditEntry.objects.filter(action__startswith="settings.onboarding.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "settings.onboarding.change_requirement",
        "settings.onboarding.change_requirement",
        "settings.onboarding.remove_requirement",
    ]
    assert client.post(url, {"action": "remove"}).status_code == 404


def test_an_ops_admin_adds_a_document_type_in_every_language(client):
    seed_document_types()
    _admin(client)

    response = client.post(
        reverse("trust:ops_add_document_type"),
        {
            "type-code": "food_handler",
            "type-name_en": "Food handler card",
            "type-name_zh_hans": "食品从业人员健康证",
            "type-name_zh_hant": "食品從業人員證",
            "type-has_number": "on",
            "type-has_expiry": "on",
            "type-grants_badge": "health_certificate",
        },
    )

    assert response.status_code == 302
    kind = DocumentType.objects.get(code="food_handler")
    assert (kind.name_zh_hant, kind.has_expiry, kind.grants_badge) == (
        "食品從業人員證",
        True,
        "health_certificate",
    )
    assert AuditEntry.objects.filter(
        action="settings.onboarding.add_document_type", after__code="food_handler"
    ).exists()
    client.post(
        PAGE,
        {
            "requirement-document_type": "food_handler",
            "requirement-category": "",
            "requirement-region": "",
            "requirement-mandatory": "0",
        },
    )
    assert DocumentRequirement.objects.filter(
        document_type=kind, mandatory=False
    ).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"requirement-document_type": "no_such_type"}, "requirement-document_type"),
        ({"requirement-region": "atlantis"}, "requirement-region"),
        ({"requirement-category": "cat_missing"}, "requirement-category"),
    ],
)
def test_a_bad_requirement_is_refused_beside_its_field(client, fields, field):
    seed_document_types()
    _admin(client)
    before = _snapshot()
    data = {
        "requirement-document_type": "passport",
        "requirement-category": "",
        "requirement-region": "",
        "requirement-mandatory": "1",
        **fields,
    }

    response = client.post(PAGE, data)

    assert response.status_code == 400
    form = response.context["requirement_form"]
    assert form.errors[field.removeprefix("requirement-")]
    assert _snapshot() == before
    assert not AuditEntry.objects.filter(action__startswith="settings.onboarding.")


def test_a_duplicate_requirement_is_refused_with_a_clear_error(client):
    """Given the ID card required everywhere, adding it again is refused, on the
    page and in the service, and nothing is added."""
    id_requirement()
    admin = _admin(client)
    before = _snapshot()

    response = client.post(
        PAGE,
        {
            "requirement-document_type": "id_card",
            "requirement-category": "",
            "requirement-region": "",
            "requirement-mandatory": "0",
        },
    )

    assert response.status_code == 400
    assert "already required" in response.content.decode()
    with pytest.raises(DomainError) as refused:
        requirements.add_requirement(actor=admin, document_type="id_card")
    assert refused.value.code == "conflict"
    assert _snapshot() == before
    assert not AuditEntry.objects.filter(action__startswith="settings.onboarding.")


@pytest.mark.parametrize(
    "fields",
    [
        {"type-code": "ID Card!"},
        {"type-code": "id_card"},
        {"type-name_zh_hans": "   "},
        {"type-grants_badge": "gold_star"},
    ],
)
def test_a_bad_document_type_is_refused_and_nothing_saved(client, fields):
    seed_document_types()
    _admin(client)
    count = DocumentType.objects.count()
    data = {
        "type-code": "food_handler",
        "type-name_en": "Food handler card",
        "type-name_zh_hans": "食品从业人员健康证",
        "type-name_zh_hant": "食品從業人員證",
        **fields,
    }

    response = client.post(reverse("trust:ops_add_document_type"), data)

    assert response.status_code == 400
    assert response.context["type_form"].errors
    assert DocumentType.objects.count() == count
    assert not AuditEntry.objects.filter(action__startswith="settings.onboarding.")


@pytest.mark.parametrize("role", ["Support", "Finance"])
def test_other_roles_may_not_open_or_change_the_requirements(client, role):
    requirement = id_requirement()
    sign_in_ops(client, make_ops(role))
    before = _snapshot()

    assert client.get(PAGE).status_code == 403
    assert (
        client.post(PAGE, {"requirement-document_type": "passport"}).status_code == 403
    )
    url = reverse("trust:ops_change_requirement", args=[requirement.pk])
    assert client.post(url, {"action": "remove"}).status_code == 403
    assert _snapshot() == before


def test_trust_and_safety_may_look_but_not_change(client):
    requirement = id_requirement()
    analyst = make_ops("Trust & safety")
    sign_in_ops(client, analyst)
    before = _snapshot()

    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Add the requirement" not in page.content.decode()
    url = reverse("trust:ops_change_requirement", args=[requirement.pk])
    assert client.post(url, {"action": "optional"}).status_code == 403
    response = client.post(
        PAGE,
        {
            "requirement-document_type": "passport",
            "requirement-category": "",
            "requirement-region": "",
            "requirement-mandatory": "1",
        },
    )
    assert response.status_code == 403
    with pytest.raises(DomainPermissionDenied):
        requirements.add_document_type(
            actor=analyst, code="x", name_en="X", name_zh_hans="X", name_zh_hant="X"
        )
    assert _snapshot() == before


def test_the_page_does_not_exist_for_anyone_but_ops(client):
    requirement = id_requirement()
    client.force_login(make_user())
    assert client.get(PAGE).status_code == 404
    url = reverse("trust:ops_change_requirement", args=[requirement.pk])
    assert client.post(url, {"action": "remove"}).status_code == 404
    sign_in_ops(client, make_ops("Ops admin"), second_factor=False)
    assert client.get(PAGE).status_code == 404
    assert DocumentRequirement.objects.filter(pk=requirement.pk).exists()


def test_the_settings_page_lists_onboarding_and_penalties_as_set_up(client):
    _admin(client)

    page = client.get("/ops/settings/")

    assert page.status_code == 200
    keys = {section.key for section in page.context["sections"]}
    assert {"onboarding", "penalties"} <= keys
    assert page.context["not_set_up"] == []
    html = page.content.decode()
    assert reverse("trust:ops_requirements") in html
    assert reverse("standards:ops_home") in html


def test_the_verification_queue_links_to_the_requirements(client):
    _admin(client)
    assert PAGE in client.get(reverse("trust:ops_queue")).content.decode()


def test_a_regional_requirement_applies_only_to_providers_in_that_city():
    seed_document_types()
    admin = make_ops("Ops admin")
    DocumentRequirement.objects.all().delete()
    requirements.add_requirement(
        actor=admin, document_type="passport", region="san-francisco"
    )
    here = make_listing(
        provider=make_provider(at=SAN_FRANCISCO), status=Listing.Status.DRAFT
    )
    elsewhere = make_listing(provider=make_provider(), status=Listing.Status.DRAFT)

    assert services.documents_missing_for(here)
    assert services.documents_missing_for(elsewhere) == {}
