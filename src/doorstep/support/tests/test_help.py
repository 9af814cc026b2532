"""The help centre's articles: ops write, edit, publish and unpublish them, each
action on the audit trail; readers find published ones by searching in their
own language — Chinese included, Traditional and Simplified alike."""

import pytest

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.support import help as help_centre
from doorstep.support.models import HelpArticle
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

REFUND_TEXTS = {
    "title_en": "How refunds work",
    "body_en": "If a provider cancels, you are refunded in full to your card.",
    "title_zh_hans": "退款如何处理",
    "body_zh_hans": "如果服务者取消订单，款项将全额退回您的银行卡。",
    "title_zh_hant": "退款如何處理",
    "body_zh_hant": "如果服務者取消訂單，款項將全額退回您的銀行卡。",
}
PAYOUT_TEXTS = {
    "title_en": "When are payouts made?",
    "body_en": "Your earnings are paid out every week once cleared.",
    "title_zh_hans": "何时打款？",
    "body_zh_hans": "您的收入结算后每周打款一次。",
    "title_zh_hant": "何時打款？",
    "body_zh_hant": "您的收入結算後每週打款一次。",
}


@pytest.fixture
def editor():
    return make_ops("Support")


def _article(editor, slug="refunds", texts=None, publish=True, **fields):
    return help_centre.create_article(
        actor=editor,
        slug=slug,
        section=fields.pop("section", HelpArticle.Section.PAYMENTS),
        audience=fields.pop("audience", HelpArticle.Audience.ALL),
        texts=texts or REFUND_TEXTS,
        publish=publish,
        **fields,
    )


def test_writing_an_article_is_audited_and_a_draft_is_not_shown(editor):
    article = _article(editor, publish=False, reason="New section")

    entry = AuditEntry.objects.get(action="help.create_article")
    assert entry.actor == editor
    assert entry.target_id == article.public_id
    assert entry.after == {"slug": "refunds", "published": False}
    assert entry.reason == "New section"
    assert help_centre.published_articles() == []
    with pytest.raises(NotFound):
        help_centre.published_article("refunds")


def test_publish_and_unpublish_each_write_the_trail_once(editor):
    article = _article(editor, publish=False)

    help_centre.publish_article(actor=editor, article_id=article.public_id)
    help_centre.publish_article(actor=editor, article_id=article.public_id)
    assert help_centre.published_article("refunds") == article

    help_centre.unpublish_article(actor=editor, article_id=article.public_id)

    actions = list(
        AuditEntry.objects.filter(target_id=article.public_id)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "help.create_article",
        "help.publish_article",
        "help.unpublish_article",
    ]
    assert help_centre.published_articles() == []


def test_editing_records_which_texts_changed(editor):
    article = _article(editor)

    help_centre.update_article(
        actor=editor,
        article_id=article.public_id,
        slug="refunds",
        section=HelpArticle.Section.PROBLEMS,
        audience=HelpArticle.Audience.CUSTOMERS,
        position=3,
        texts={**REFUND_TEXTS, "body_en": "Refunds go back to your card."},
    )

    article.refresh_from_db()
    assert article.body_en == "Refunds go back to your card."
    assert article.is_published  # editing does not unpublish
    entry = AuditEntry.objects.get(action="help.update_article")
    assert entry.before == {"section": "payments", "audience": "all", "position": 0}
    assert entry.after["texts_changed"] == ["body_en"]


def test_editing_nothing_writes_nothing(editor):
    article = _article(editor)

    help_centre.update_article(
        actor=editor,
        article_id=article.public_id,
        slug="refunds",
        section=article.section,
        audience=article.audience,
        position=0,
        texts=REFUND_TEXTS,
    )

    assert not AuditEntry.objects.filter(action="help.update_article").exists()


def test_only_ops_who_may_edit_help_write_articles():
    with pytest.raises(PermissionDenied):
        _article(make_ops("Finance"))
    with pytest.raises(PermissionDenied):
        _article(make_user())
    assert not HelpArticle.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Not a slug!"}, "slug"),
        ({"slug": "contact"}, "slug"),
        ({"section": "nowhere"}, "section"),
        ({"texts": {**REFUND_TEXTS, "title_en": "  "}}, "title_en"),
        ({"texts": {**REFUND_TEXTS, "body_zh_hans": ""}}, "body_zh_hans"),
        ({"texts": {**REFUND_TEXTS, "title_zh_hant": "x" * 161}}, "title_zh_hant"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_written(editor, change, field):
    with pytest.raises(DomainError) as raised:
        _article(editor, **change)

    assert raised.value.code == "invalid_input"
    assert field in raised.value.fields
    assert not HelpArticle.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_taken_address_is_a_conflict_beside_the_field(editor):
    _article(editor)

    with pytest.raises(Conflict) as raised:
        _article(editor, texts=PAYOUT_TEXTS)

    assert raised.value.code == "help_slug_taken"
    assert "slug" in raised.value.fields
    assert HelpArticle.objects.count() == 1


# --- Search --------------------------------------------------------------------------


@pytest.fixture
def articles(editor):
    return {
        "refunds": _article(editor),
        "payouts": _article(
            editor,
            slug="payouts",
            texts=PAYOUT_TEXTS,
            section=HelpArticle.Section.EARNINGS,
            audience=HelpArticle.Audience.PROVIDERS,
        ),
        "draft": _article(
            editor,
            slug="draft-refunds",
            texts={**REFUND_TEXTS, "title_en": "Refund draft"},
            publish=False,
        ),
    }


def _slugs(found):
    return [article.slug for article in found]


def test_english_search_finds_stems_and_typos_in_published_articles(articles):
    assert _slugs(help_centre.search_articles("refund", language="en")) == ["refunds"]
    assert _slugs(help_centre.search_articles("cancelled", language="en")) == [
        "refunds"
    ]
    assert _slugs(help_centre.search_articles("payuots", language="en")) == ["payouts"]
    assert help_centre.search_articles("", language="en") == []
    assert help_centre.search_articles("plumbing", language="en") == []


def test_chinese_search_matches_phrases_without_spaces(articles):
    assert _slugs(help_centre.search_articles("退款", language="zh-hans")) == [
        "refunds"
    ]
    # A phrase is adjacent characters, not the characters anywhere.
    assert help_centre.search_articles("退卡", language="zh-hans") == []
    assert _slugs(help_centre.search_articles("每週打款", language="zh-hant")) == [
        "payouts"
    ]
    # Simplified typed by a reader of Traditional finds the same article.
    assert _slugs(help_centre.search_articles("结算", language="zh-hant")) == [
        "payouts"
    ]


def test_search_is_in_the_readers_language_and_audience(articles):
    assert help_centre.search_articles("refund", language="zh-hans") == []
    assert (
        _slugs(
            help_centre.search_articles(
                "打款", language="zh-hans", audience="customers"
            )
        )
        == []
    )
    assert _slugs(
        help_centre.search_articles("打款", language="zh-hans", audience="providers")
    ) == ["payouts"]


def test_title_matches_come_first(editor):
    _article(
        editor,
        slug="cards",
        texts={"title_en": "Cards we accept", "body_en": "All refund cards."},
    )
    _article(
        editor,
        slug="refund-times",
        texts={"title_en": "Refund times", "body_en": "Up to five days."},
    )

    assert _slugs(help_centre.search_articles("refund", language="en")) == [
        "refund-times",
        "cards",
    ]


def test_sections_list_published_articles_in_order(articles):
    sections = help_centre.sections()

    assert [s.section for s in sections] == ["payments", "earnings"]
    assert [a.slug for a in sections[0].articles] == ["refunds"]
    assert [s.section for s in help_centre.sections("customers")] == ["payments"]
