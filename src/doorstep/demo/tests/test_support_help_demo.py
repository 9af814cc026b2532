"""Seeding the help centre twice: the demo's articles are written once. (The
help centre and surveys of a built demo: ``test_demo_stories``.)"""

import pytest
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.demo.builders import build_demo
from doorstep.demo.support_help import ARTICLES, seed_help
from doorstep.support.models import HelpArticle

pytestmark = pytest.mark.django_db(transaction=True)


def test_seeding_again_adds_no_second_copy():
    report = build_demo(providers=4, customers=4, orders=0)
    assert report.support == {"help_articles": len(ARTICLES)}
    ops = User.objects.get(email="ops@demo.doorstep.dev")
    again = seed_help(logins={"ops": ops}, now=timezone.now())

    assert again == {"help_articles": 0}
    assert HelpArticle.objects.count() == len(ARTICLES)
