"""A visitor signs up agreeing to the terms; later ops publish a material change
of the privacy policy and she is asked to accept it before carrying on — in a
real Chromium, against a live server."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from doorstep.accounts.models import User
from doorstep.legal import services
from doorstep.legal.models import PolicyAcceptance
from doorstep.legal.starter import STARTER_TEXT
from tests.factories import make_ops

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Very-long-passphrase-42"


def _publish(ops, document: str, **changes):
    fields = {**STARTER_TEXT[document], **changes}
    return services.publish_version(
        actor=ops, document=document, material=True, **fields
    )


def test_sign_up_with_the_box_and_accept_a_new_version_later(
    live_server, page: Page, mailoutbox, artifacts_dir
):
    # (a transactional test's flush removed the roles' permissions: a superuser)
    ops = make_ops("Ops admin", is_superuser=True)
    terms = _publish(ops, "terms")
    _publish(ops, "privacy")

    # Given a visitor on the sign-up page, who reads the terms from the footer
    page.goto(live_server.url + "/accounts/signup/")
    expect(
        page.get_by_role("contentinfo").get_by_role("link", name="Terms of service")
    ).to_be_visible()

    # When she forgets the box, she is told beside it
    page.get_by_label("Email").fill("mei.chen@example.com")
    page.get_by_label("Your name").fill("Mei Chen")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#id_accept_terms_error")).to_contain_text("Tick the box")
    assert not User.objects.filter(email="mei.chen@example.com").exists()

    # When she ticks it and creates the account
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I agree to the terms").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    (mail,) = [m for m in mailoutbox if m.to == ["mei.chen@example.com"]]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.body)
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("banner")).to_contain_text("Mei Chen")

    # Then what she agreed to is on record
    user = User.objects.get(email="mei.chen@example.com")
    assert EmailAddress.objects.filter(user=user, verified=True).exists()
    assert set(
        PolicyAcceptance.objects.filter(user=user).values_list("version", flat=True)
    ) >= {terms.pk}

    # When ops publish a material change of the privacy policy
    _publish(
        ops,
        "privacy",
        body_en=STARTER_TEXT["privacy"]["body_en"] + "\n\n## Cookies\nOnly ours.",
        summary_en="We now say which cookies we use.",
    )

    # Then her next page is the accept page, with what changed
    page.goto(live_server.url + "/accounts/profile/")
    expect(page.get_by_role("heading", name="Our terms have changed")).to_be_visible()
    expect(page.get_by_text("We now say which cookies we use.")).to_be_visible()
    page.screenshot(path=artifacts_dir / "terms-accept.png", full_page=True)

    # When she accepts, she lands where she was going
    page.get_by_label("I have read and agree").check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    (accepted,) = PolicyAcceptance.objects.filter(user=user, source="web")
    assert (accepted.version.document, accepted.version.number) == ("privacy", 2)
