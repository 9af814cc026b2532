"""A customer stuck after a job finds the help centre from her order, searches
it, and answers the follow-up survey with a low score, which the support team
gets as a ticket — in a real Chromium, against a live server."""

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from doorstep.support import help as help_centre
from doorstep.support.models import HelpArticle, SurveyResponse, Ticket
from doorstep.support.surveys import invite_to_survey
from tests.factories import make_completed_order, make_ops, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, url: str, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}]
    )


def test_help_from_the_order_page_and_a_low_survey_answer(live_server, page: Page):
    # (a transactional test's flush removed the roles' permissions: a superuser)
    ops = make_ops("Ops admin", is_superuser=True)
    help_centre.create_article(
        actor=ops,
        slug="refunds",
        section=HelpArticle.Section.PAYMENTS,
        audience=HelpArticle.Audience.CUSTOMERS,
        texts={
            "title_en": "Refunds: when and how long",
            "body_en": "Refunds go back to the card you paid with.",
        },
        publish=True,
    )
    cora = make_user(name="Cora Lin")
    order = make_completed_order(customer=cora)
    invitation = invite_to_survey(order=order)
    _sign_in(page, live_server.url, cora)

    # Given her completed order, she follows the help link on it
    page.goto(live_server.url + order.get_absolute_url())
    page.locator("[data-support-links]").get_by_role("link", name="Help centre").click()

    # When she searches the help centre, she finds the answer
    page.get_by_role("searchbox", name="Search the help centre").fill("refund")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name="Refunds: when and how long").click()
    expect(
        page.get_by_text("Refunds go back to the card you paid with.")
    ).to_be_visible()

    # When she opens the survey and sends it without a score, she is told beside it
    page.goto(live_server.url + invitation.get_absolute_url())
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("#id_csat_error")).to_contain_text("Choose how satisfied")
    assert not SurveyResponse.objects.exists()

    # When she gives a low score with a comment
    page.get_by_label("1", exact=True).check()
    page.get_by_label("Anything you want to tell us?").fill("Left after an hour.")
    page.get_by_role("button", name="Send my answer").click()

    # Then she is thanked, told support will call, and the team has a ticket
    expect(
        page.get_by_role("heading", name="Thank you for your answer")
    ).to_be_visible()
    expect(page.locator("[data-follow-up-ticket]")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.order == order
    assert ticket.source == Ticket.Source.SURVEY
