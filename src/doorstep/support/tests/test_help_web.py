"""The help centre's pages, the contact page, the "stuck?" links on the pages
where people get stuck, and the ops pages where articles are written."""

import pytest
from django.test import override_settings
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.support import help as help_centre
from doorstep.support.models import HelpArticle
from tests.factories import make_completed_order, make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db

TEXTS = {
    "title_en": "How refunds work",
    "body_en": "If a provider **cancels**, you are refunded in full.",
    "title_zh_hans": "退款如何处理",
    "body_zh_hans": "如果服务者取消订单，款项将全额退回。",
    "title_zh_hant": "退款如何處理",
    "body_zh_hant": "如果服務者取消訂單，款項將全額退回。",
}


@pytest.fixture
def editor():
    return make_ops("Support")


@pytest.fixture
def article(editor):
    return help_centre.create_article(
        actor=editor,
        slug="refunds",
        section=HelpArticle.Section.PAYMENTS,
        texts=TEXTS,
        publish=True,
    )


def test_the_help_centre_lists_sections_and_renders_markdown(client, article):
    home = client.get(reverse("support:help"))
    page = client.get(article.get_absolute_url())

    assert home.status_code == 200
    assert b'data-help-section="payments"' in home.content
    assert b"How refunds work" in home.content
    assert page.status_code == 200
    assert b"<strong>cancels</strong>" in page.content


def test_search_in_chinese_shows_the_article_in_chinese(client, article):
    found = client.get(
        reverse("support:help"), {"q": "退款"}, HTTP_ACCEPT_LANGUAGE="zh-hant"
    )

    assert found.status_code == 200
    assert "退款如何處理" in found.content.decode()
    assert b'data-help-article="refunds"' in found.content


def test_a_draft_is_not_found(client, editor, article):
    help_centre.unpublish_article(actor=editor, article_id=article.public_id)

    assert client.get(article.get_absolute_url()).status_code == 404


def test_the_contact_page_says_how_to_reach_support(client, settings):
    settings.DOORSTEP_SUPPORT_EMAIL = "help@doorstep.test"

    page = client.get(reverse("support:contact"))

    assert page.status_code == 200
    assert b"help@doorstep.test" in page.content
    assert reverse("support:new_ticket").encode() in page.content


def test_stuck_people_find_help_on_their_order_and_on_error_pages(client):
    order = make_completed_order()
    client.force_login(order.customer)

    detail = client.get(order.get_absolute_url())
    missing = client.get("/no-such-page/")

    for response in (detail, missing):
        assert b"data-support-links" in response.content
        assert reverse("support:contact").encode() in response.content
    assert b"data-footer-help" in detail.content


def test_the_provider_sees_them_on_the_order_too(client):
    order = make_completed_order()
    client.force_login(order.provider.user)

    assert b"data-support-links" in client.get(order.get_absolute_url()).content


@override_settings(DEBUG=False)
def test_the_500_page_links_to_help_without_a_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")

    assert reverse("support:help") in html
    assert reverse("support:contact") in html


# --- Ops ------------------------------------------------------------------------------


def test_ops_pages_are_hidden_from_people_and_refused_to_other_roles(client):
    client.force_login(make_user())
    assert client.get(reverse("support:ops_help")).status_code == 404

    sign_in_ops(client, make_ops("Finance"))
    assert client.get(reverse("support:ops_help")).status_code == 403
    assert client.get(reverse("support:ops_help_new")).status_code == 403


def test_ops_write_an_article_and_errors_show_beside_the_field(client, editor):
    sign_in_ops(client, editor)
    form = {
        "slug": "Bad slug",
        "section": "payments",
        "audience": "all",
        "position": "0",
        **TEXTS,
        "body_zh_hans": "",
    }

    bad_slug = client.post(reverse("support:ops_help_new"), form)
    half_translated = client.post(
        reverse("support:ops_help_new"), {**form, "slug": "refunds"}
    )

    assert bad_slug.status_code == 400
    assert "slug" in bad_slug.context["form"].errors
    assert half_translated.status_code == 400
    assert half_translated.context["form"].errors.keys() == {"body_zh_hans"}
    assert not HelpArticle.objects.exists()

    saved = client.post(
        reverse("support:ops_help_new"),
        {**form, "slug": "refunds", "body_zh_hans": TEXTS["body_zh_hans"]},
    )

    assert saved.status_code == 302
    article = HelpArticle.objects.get()
    assert not article.is_published
    assert AuditEntry.objects.filter(
        action="help.create_article", actor=editor
    ).exists()


def test_a_taken_address_shows_beside_the_slug(client, editor, article):
    sign_in_ops(client, editor)

    refused = client.post(
        reverse("support:ops_help_new"),
        {"slug": "refunds", "section": "payments", "audience": "all", "position": 1}
        | TEXTS,
    )

    assert refused.status_code == 400
    assert "slug" in refused.context["form"].errors


def test_ops_edit_unpublish_and_publish(client, editor, article):
    sign_in_ops(client, editor)
    url = reverse("support:ops_help_edit", args=[article.public_id])

    assert client.get(url).status_code == 200
    edited = client.post(
        url,
        {
            "slug": "refunds",
            "section": "problems",
            "audience": "customers",
            "position": "2",
            **TEXTS,
            "reason": "Moved",
        },
    )
    assert edited.status_code == 302
    off = client.post(
        reverse("support:ops_help_publish", args=[article.public_id, "unpublish"])
    )
    assert off.status_code == 302

    article.refresh_from_db()
    assert article.section == "problems"
    assert not article.is_published
    assert list(
        AuditEntry.objects.filter(target_id=article.public_id)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["help.create_article", "help.update_article", "help.unpublish_article"]
    listing = client.get(reverse("support:ops_help"))
    assert b'data-ops-article="refunds"' in listing.content
    assert (
        client.post(
            reverse("support:ops_help_publish", args=[article.public_id, "delete"])
        ).status_code
        == 404
    )
