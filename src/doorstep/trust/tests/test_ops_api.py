"""Verification for ops in the API: document decisions and the onboarding
requirements, through the same services as the back office's pages (audited);
a token without ``ops``, a customer and a role that may not are refused, and
nothing is written when they are or when the input is wrong."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.trust import audit_actions, services
from doorstep.trust.models import DocumentRequirement, DocumentType, ProviderDocument
from doorstep.trust.tests.conftest import id_requirement, pdf_upload, require
from tests.factories import make_category, make_ops, make_provider, make_user

pytestmark = pytest.mark.django_db

REQUIREMENTS = f"{API}/ops/verification/requirements"
TYPES = f"{API}/ops/verification/document-types"


def _document() -> ProviderDocument:
    provider = make_provider()
    return services.upload_document(
        actor=provider.user,
        requirement_id=id_requirement().pk,
        upload=pdf_upload(),
        number="310101199001011234",
    )


def _decide(document_id: str) -> str:
    return f"{API}/ops/verification/documents/{document_id}/decision"


def _refusals(client, method: str, url: str, body: dict | None = None) -> None:
    """A customer finds nothing; staff without the ops scope are told so."""
    send = getattr(client, method)
    ops = make_ops()
    arguments = {"content_type": JSON} if body is not None else {}
    if body is not None:
        arguments["data"] = body
    assert_problem(send(url, **arguments, **bearer(make_user())), 404, "not_found")
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    assert_problem(send(url, **arguments, **no_ops_scope), 403, "insufficient_scope")
    assert_problem(send(url, **arguments, **bearer(ops)), 403, "ops_mfa_required")


# --- Documents ----------------------------------------------------------------------


def test_ops_approve_and_then_reject_a_document(client):
    document = _document()
    headers = ops_bearer(make_ops("Trust & safety"))

    approved = client.post(
        _decide(document.public_id), {"decision": "approve"}, JSON, **headers
    )

    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    rejected = client.post(
        _decide(document.public_id),
        {"decision": "reject", "reason": "The photo is of someone else"},
        JSON,
        **headers,
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["review_reason"] == "The photo is of someone else"
    decided = AuditEntry.objects.filter(
        action__in=[
            audit_actions.APPROVE_DOCUMENT.code,
            audit_actions.REJECT_DOCUMENT.code,
        ]
    )
    assert list(decided.order_by("pk").values_list("action", flat=True)) == [
        audit_actions.APPROVE_DOCUMENT.code,
        audit_actions.REJECT_DOCUMENT.code,
    ]
    again = client.post(
        _decide(document.public_id), {"decision": "approve"}, JSON, **headers
    )
    assert_problem(again, 409, "document_already_decided")


def test_a_document_decision_refused_or_wrong_writes_nothing(client):
    document = _document()
    audited = AuditEntry.objects.count()
    url = _decide(document.public_id)
    _refusals(client, "post", url, {"decision": "approve"})
    headers = ops_bearer(make_ops("Trust & safety"))

    assert_problem(
        client.post(_decide("doc_missing"), {"decision": "approve"}, JSON, **headers),
        404,
        "document_not_found",
    )
    assert_problem(client.post(url, {"decision": "burn"}, JSON, **headers), 400)
    # Rejecting needs a reason.
    assert_problem(client.post(url, {"decision": "reject"}, JSON, **headers), 400)
    finance = ops_bearer(make_ops("Finance"))
    refused = client.post(url, {"decision": "approve"}, JSON, **finance)
    assert_problem(refused, 403, "ops_permission_required")
    document.refresh_from_db()
    assert document.status == "pending"
    assert AuditEntry.objects.count() == audited


# --- Requirements and document types ------------------------------------------------


def test_ops_add_change_and_remove_a_requirement(client):
    require("id_card")
    category = make_category("plumbing")
    headers = ops_bearer(make_ops())

    added = client.post(
        REQUIREMENTS,
        {
            "document_type": "id_card",
            "category": category.public_id,
            "mandatory": False,
        },
        JSON,
        **headers,
    )

    assert added.status_code == 201, added.content
    body = added.json()
    assert body["category"] == category.public_id
    assert body["mandatory"] is False
    url = f"{REQUIREMENTS}/{body['id']}"
    assert client.patch(url, {"mandatory": True}, JSON, **headers).json()["mandatory"]
    listed = client.get(REQUIREMENTS, **headers).json()["items"]
    assert body["id"] in [item["id"] for item in listed]
    assert client.delete(url, **headers).status_code == 204
    assert not DocumentRequirement.objects.filter(pk=body["id"]).exists()
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        audit_actions.ADD_REQUIREMENT.code,
        audit_actions.CHANGE_REQUIREMENT.code,
        audit_actions.REMOVE_REQUIREMENT.code,
    ]
    assert_problem(client.delete(url, **headers), 404, "not_found")
    assert_problem(
        client.patch(
            f"{REQUIREMENTS}/99999999999999", {"mandatory": True}, JSON, **headers
        ),
        404,
        "not_found",
    )


def test_a_requirement_refused_or_wrong_writes_nothing(client):
    requirement = id_requirement()
    before = DocumentRequirement.objects.count()
    body = {"document_type": "id_card", "region": "atlantis"}
    _refusals(client, "post", REQUIREMENTS, body)
    _refusals(client, "patch", f"{REQUIREMENTS}/{requirement.pk}", {"mandatory": False})
    _refusals(client, "delete", f"{REQUIREMENTS}/{requirement.pk}")
    headers = ops_bearer(make_ops())

    wrong = client.post(REQUIREMENTS, body, JSON, **headers)
    assert assert_problem(wrong, 400, "invalid_input")["errors"]["region"]
    assert_problem(client.post(REQUIREMENTS, {"mandatory": 3}, JSON, **headers), 400)
    # Trust & safety may look at requirements but not change them.
    verifier = ops_bearer(make_ops("Trust & safety"))
    refused = client.post(REQUIREMENTS, {"document_type": "id_card"}, JSON, **verifier)
    assert_problem(refused, 403, "ops_permission_required")
    assert DocumentRequirement.objects.count() == before
    requirement.refresh_from_db()
    assert requirement.mandatory
    assert not AuditEntry.objects.exists()


def test_ops_add_a_document_type(client):
    headers = ops_bearer(make_ops())
    body = {
        "code": "first_aid",
        "name_en": "First aid certificate",
        "name_zh_hans": "急救证书",
        "name_zh_hant": "急救證書",
        "has_expiry": True,
    }

    response = client.post(TYPES, body, JSON, **headers)

    assert response.status_code == 201, response.content
    assert response.json()["has_expiry"] is True
    assert DocumentType.objects.get(code="first_aid").name_en == (
        "First aid certificate"
    )
    assert AuditEntry.objects.get().action == audit_actions.ADD_DOCUMENT_TYPE.code
    duplicate = client.post(TYPES, body, JSON, **headers)
    assert assert_problem(duplicate, 400, "invalid_input")["errors"]["code"]
    assert AuditEntry.objects.count() == 1


def test_a_document_type_refused_or_wrong_writes_nothing(client):
    body = {
        "code": "Not A Slug",
        "name_en": "x",
        "name_zh_hans": "x",
        "name_zh_hant": "x",
    }
    _refusals(client, "post", TYPES, body)
    headers = ops_bearer(make_ops())
    before = DocumentType.objects.count()

    assert_problem(client.post(TYPES, body, JSON, **headers), 400, "invalid_input")
    assert_problem(client.post(TYPES, {"code": "x"}, JSON, **headers), 400)
    assert DocumentType.objects.count() == before
    assert not AuditEntry.objects.exists()
