"""Support settings for ops in the API: canned replies, the SLA policy and help
articles, through the same services as the back office's pages (audited); a
token without ``ops``, a customer and a role that may not are refused, and
nothing is written when they are or when the input is wrong."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.support import audit_actions
from doorstep.support.models import CannedReply, HelpArticle, SlaPolicy
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

CANNED = f"{API}/ops/support/canned-replies"
ARTICLES = f"{API}/ops/help/articles"
REPLY = {"title": "Refund timing", "body_en": "Refunds take 5 working days."}
ARTICLE = {
    "slug": "how-refunds-work",
    "section": HelpArticle.Section.values[0],
    "title_en": "How refunds work",
    "body_en": "Refunds go back to the card you paid with.",
}


def _refused(client, method: str, url: str, body: dict | None, role: str) -> None:
    """A customer finds nothing; staff without the ops scope, without the
    second factor, or in a role that may not are refused."""
    send = getattr(client, method)
    arguments = {"data": body, "content_type": JSON} if body is not None else {}
    ops = make_ops()
    assert_problem(send(url, **arguments, **bearer(make_user())), 404, "not_found")
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    assert_problem(send(url, **arguments, **no_ops_scope), 403, "insufficient_scope")
    assert_problem(send(url, **arguments, **bearer(ops)), 403, "ops_mfa_required")
    other_role = ops_bearer(make_ops(role))
    assert_problem(send(url, **arguments, **other_role), 403, "ops_permission_required")


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


# --- Canned replies -----------------------------------------------------------------


def test_ops_write_change_and_delete_a_canned_reply(client):
    headers = ops_bearer(make_ops("Support"))

    created = client.post(CANNED, REPLY, JSON, **headers)

    assert created.status_code == 201, created.content
    url = f"{CANNED}/{created.json()['id']}"
    changed = client.put(url, {**REPLY, "title": "Refunds"}, JSON, **headers)
    assert changed.json()["title"] == "Refunds"
    assert CannedReply.objects.get().title == "Refunds"
    assert client.delete(url, **headers).status_code == 204
    assert not CannedReply.objects.exists()
    assert _actions() == [
        audit_actions.SAVE_CANNED_REPLY.code,
        audit_actions.SAVE_CANNED_REPLY.code,
        audit_actions.DELETE_CANNED_REPLY.code,
    ]
    assert_problem(client.delete(url, **headers), 404, "canned_reply_not_found")


def test_a_canned_reply_refused_or_wrong_writes_nothing(client):
    headers = ops_bearer(make_ops("Support"))
    reply = CannedReply.objects.get(
        pk=client.post(CANNED, REPLY, JSON, **headers).json()["id"]
    )
    audited = AuditEntry.objects.count()
    url = f"{CANNED}/{reply.pk}"
    _refused(client, "post", CANNED, REPLY, "Finance")
    _refused(client, "put", url, {**REPLY, "title": "Changed"}, "Finance")
    _refused(client, "delete", url, None, "Finance")

    for unknown in ("999999", "nope"):
        assert_problem(
            client.put(f"{CANNED}/{unknown}", REPLY, JSON, **headers),
            404,
            "canned_reply_not_found",
        )
    assert_problem(client.post(CANNED, {"title": "x"}, JSON, **headers), 400)
    blank = {"title": "   ", "body_en": "   "}
    assert_problem(client.put(url, blank, JSON, **headers), 400, "invalid_input")
    reply.refresh_from_db()
    assert reply.title == REPLY["title"]
    assert CannedReply.objects.count() == 1
    assert AuditEntry.objects.count() == audited


# --- SLA policy ---------------------------------------------------------------------


def test_ops_set_a_priority_s_sla_targets(client):
    headers = ops_bearer(make_ops())
    body = {"first_response_minutes": 30, "resolution_minutes": 240}

    response = client.put(f"{API}/ops/support/sla/urgent", body, JSON, **headers)

    assert response.status_code == 200, response.content
    assert response.json() == {"priority": "urgent", **body}
    policy = SlaPolicy.objects.get(priority="urgent")
    assert (policy.first_response_minutes, policy.resolution_minutes) == (30, 240)
    assert _actions() == [audit_actions.UPDATE_SLA_POLICY.code]


def test_an_sla_change_refused_or_wrong_writes_nothing(client):
    url = f"{API}/ops/support/sla/high"
    body = {"first_response_minutes": 30, "resolution_minutes": 240}
    # Support handle tickets but do not change settings.
    _refused(client, "put", url, body, "Support")
    headers = ops_bearer(make_ops())
    before = list(SlaPolicy.objects.values_list("priority", "resolution_minutes"))

    assert_problem(
        client.put(f"{API}/ops/support/sla/whenever", body, JSON, **headers),
        404,
        "sla_policy_not_found",
    )
    backwards = {"first_response_minutes": 300, "resolution_minutes": 60}
    assert_problem(client.put(url, backwards, JSON, **headers), 400, "invalid_input")
    zero = {"first_response_minutes": 0, "resolution_minutes": 60}
    assert_problem(client.put(url, zero, JSON, **headers), 400)
    after = list(SlaPolicy.objects.values_list("priority", "resolution_minutes"))
    assert after == before
    assert not AuditEntry.objects.exists()


# --- Help articles ------------------------------------------------------------------


def test_ops_write_change_publish_and_unpublish_a_help_article(client):
    headers = ops_bearer(make_ops())

    created = client.post(ARTICLES, ARTICLE, JSON, **headers)

    assert created.status_code == 201, created.content
    assert created.json()["is_published"] is False
    url = f"{ARTICLES}/{created.json()['id']}"
    changed = client.put(
        url, {**ARTICLE, "title_en": "Refunds, step by step"}, JSON, **headers
    )
    assert changed.json()["title_en"] == "Refunds, step by step"
    published = client.post(f"{url}/publish", {}, JSON, **headers)
    assert published.json()["is_published"] is True
    unpublished = client.post(
        f"{url}/unpublish", {"reason": "Out of date"}, JSON, **headers
    )
    assert unpublished.json()["is_published"] is False
    assert HelpArticle.objects.get().title_en == "Refunds, step by step"
    assert _actions() == [
        audit_actions.CREATE_HELP_ARTICLE.code,
        audit_actions.UPDATE_HELP_ARTICLE.code,
        audit_actions.PUBLISH_HELP_ARTICLE.code,
        audit_actions.UNPUBLISH_HELP_ARTICLE.code,
    ]
    taken = client.post(ARTICLES, ARTICLE, JSON, **headers)
    assert_problem(taken, 409, "help_slug_taken")


def test_a_help_article_refused_or_wrong_writes_nothing(client):
    headers = ops_bearer(make_ops())
    article = HelpArticle.objects.get(
        public_id=client.post(ARTICLES, ARTICLE, JSON, **headers).json()["id"]
    )
    audited = AuditEntry.objects.count()
    url = f"{ARTICLES}/{article.public_id}"
    _refused(client, "post", ARTICLES, {**ARTICLE, "slug": "other"}, "Finance")
    _refused(client, "put", url, {**ARTICLE, "title_en": "Changed"}, "Finance")
    _refused(client, "post", f"{url}/publish", {}, "Finance")

    assert_problem(
        client.post(f"{ARTICLES}/art_missing/publish", {}, JSON, **headers),
        404,
        "help_article_not_found",
    )
    assert_problem(
        client.put(f"{ARTICLES}/art_missing", ARTICLE, JSON, **headers),
        404,
        "help_article_not_found",
    )
    half_translated = {**ARTICLE, "title_zh_hans": "退款"}
    response = client.put(url, half_translated, JSON, **headers)
    assert assert_problem(response, 400, "invalid_input")["errors"]["body_zh_hans"]
    bad_slug = {**ARTICLE, "slug": "Not A Slug"}
    assert_problem(client.post(ARTICLES, bad_slug, JSON, **headers), 400)
    assert_problem(
        client.post(ARTICLES, {**ARTICLE, "section": "nowhere"}, JSON, **headers), 400
    )
    article.refresh_from_db()
    assert article.title_zh_hans == ""
    assert not article.is_published
    assert HelpArticle.objects.count() == 1
    assert AuditEntry.objects.count() == audited
