"""The demo's help centre and follow-up surveys: articles in three languages for
customers and providers, published by the ops login with the audit trail; the
surveys of the past's completed orders answered, waiting, and low scores with
their ticket — all through the services, with the books still reconciling."""

import pytest
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.audit.models import AuditEntry
from doorstep.demo.builders import build_demo
from doorstep.demo.support_help import ARTICLES, seed_help
from doorstep.payments.reconciliation import reconcile
from doorstep.support import help as help_centre
from doorstep.support.models import HelpArticle, SurveyInvitation, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_a_help_centre_and_surveys_in_every_state():
    report = build_demo(providers=30, customers=30, orders=24)

    assert report.support["help_articles"] == len(ARTICLES) >= 12
    articles = HelpArticle.objects.filter(is_published=True)
    assert articles.count() == len(ARTICLES)
    assert all(
        a.title_en and a.body_en and a.title_zh_hans and a.body_zh_hant
        for a in articles
    )
    assert set(articles.values_list("audience", flat=True)) == {
        "all",
        "customers",
        "providers",
    }
    assert AuditEntry.objects.filter(action="help.create_article").count() == len(
        ARTICLES
    )
    assert help_centre.search_articles("退款", language="zh-hant")
    assert help_centre.search_articles("payout", language="en")

    invitations = SurveyInvitation.objects.all()
    assert report.support["surveys"] == invitations.count() >= 3
    answered = invitations.filter(response__isnull=False)
    assert answered.filter(response__ticket__isnull=True).exists()
    low = answered.filter(response__ticket__isnull=False)
    assert low.exists()
    assert report.support["survey_tickets"] == low.count()
    assert Ticket.objects.filter(source=Ticket.Source.SURVEY).count() == low.count()
    assert invitations.filter(response__isnull=True).exists()
    assert reconcile() == []


def test_seeding_again_adds_no_second_copy():
    report = build_demo(providers=4, customers=4, orders=0)
    assert report.support == {"help_articles": len(ARTICLES)}
    ops = User.objects.get(email="ops@demo.doorstep.dev")
    again = seed_help(logins={"ops": ops}, now=timezone.now())

    assert again == {"help_articles": 0}
    assert HelpArticle.objects.count() == len(ARTICLES)
