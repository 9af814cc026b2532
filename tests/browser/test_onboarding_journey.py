"""A new cleaner cannot publish until ops approve her documents: she uploads her
ID (a phone photo) and health certificate on the Verification page and submits;
ops ask for a clearer certificate; she uploads it again and resubmits; ops
approve; her service goes live with its badges — in a real Chromium on a live
server, with the publishing gate on as in production.
"""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from doorstep.catalog.models import Listing
from doorstep.trust.badges import badges_of
from doorstep.trust.document_types import ensure_document_types
from doorstep.trust.models import (
    BadgeKind,
    DocumentRequirement,
    DocumentType,
    ProviderApplication,
)
from tests.factories import (
    make_category,
    make_listing,
    make_provider,
    make_user,
    totp_code_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Very-long-passphrase-42"


@pytest.fixture(autouse=True)
def _documents_required(settings):
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True


def _person(email: str, name: str, **fields):
    user = make_user(email=email, name=name, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _given():
    ensure_document_types(DocumentType, DocumentRequirement)
    cleaning = make_category("home-cleaning-jobs", name_en="Home cleaning")
    DocumentRequirement.objects.create(
        document_type=DocumentType.objects.get(code="health_certificate"),
        category=cleaning,
    )
    mei = make_provider(user=_person("mei@example.com", "Mei Chen"))
    listing = make_listing(
        provider=mei,
        category=cleaning,
        title="Two-hour home clean",
        status=Listing.Status.DRAFT,
    )
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    ops = _person("ops@example.com", "Olu Ops", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(ops, secret)
    return mei, listing, secret


def _new_page(browser: Browser) -> Page:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    page = context.new_page()
    page.route(re.compile(r"tile\.openstreetmap\.org"), lambda route: route.abort())
    return page


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _id_photo() -> dict:
    buffer = BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (640, 400), "#dbeafe").save(buffer, "JPEG", exif=exif.tobytes())
    return {"name": "id.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def _certificate() -> dict:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return {"name": "health.pdf", "mimeType": "application/pdf", "buffer": body}


def _upload(page: Page, code: str, file: dict, number: str, until=None) -> None:
    section = page.locator(f"section[data-requirement={code}]")
    section.locator("input[type=file]").set_input_files(file)
    section.get_by_label("Document number").fill(number)
    if until is not None:
        section.get_by_label("Valid until").fill(until.isoformat())
    section.get_by_role("button", name="Upload").click()
    expect(page.locator(".messages")).to_contain_text("Document uploaded.")


def test_a_provider_is_verified_and_her_service_goes_live(
    live_server, browser: Browser, artifacts_dir
):
    mei, listing, secret = _given()
    url = live_server.url
    valid_until = timezone.localdate() + timedelta(days=365)

    # When Mei tries to publish, she is told which documents are missing
    provider = _new_page(browser)
    _sign_in(provider, url, "mei@example.com")
    provider.goto(f"{url}/dashboard/services/{listing.public_id}/")
    provider.get_by_role("button", name="Publish").first.click()
    expect(provider.locator("main")).to_contain_text("Verification page")

    # She uploads her ID (a phone photo) and her health certificate, and submits
    provider.goto(url + "/dashboard/verification/")
    _upload(provider, "id_card", _id_photo(), "310101199001011234")
    _upload(provider, "health_certificate", _certificate(), "HC-778812", valid_until)
    expect(provider.locator("main")).to_contain_text("****1234")
    expect(provider.locator("main")).not_to_contain_text("310101199001011234")
    provider.get_by_role("button", name="Submit for review").click()
    expect(provider.locator("main")).to_contain_text("our team is reviewing")
    provider.screenshot(path=artifacts_dir / "onboarding-submitted.png")

    # Ops sign in with password and TOTP and find her in the queue
    ops = _new_page(browser)
    _sign_in(ops, url, "ops@example.com")
    ops.locator("input[name=code]").fill(totp_code_for(secret))
    ops.locator("input[name=code]").press("Enter")
    expect(ops).not_to_have_url(re.compile(r"/accounts/"))
    ops.goto(url + "/ops/")
    ops.get_by_role("link", name="Provider applications").first.click()
    ops.get_by_role("link", name="Mei Chen").click()
    expect(ops.locator("main")).to_contain_text("****1234")
    ops.screenshot(path=artifacts_dir / "onboarding-ops-review.png")

    # They ask for a clearer certificate
    ops.get_by_label("Reason (the provider sees it)").fill(
        "The certificate is blurry: please upload a sharper scan."
    )
    ops.get_by_role("button", name="Request changes").click()
    expect(ops.locator(".messages")).to_contain_text("Decision recorded")

    # Mei sees why, uploads it again and resubmits
    provider.goto(url + "/dashboard/verification/")
    expect(provider.locator("main")).to_contain_text("please upload a sharper scan")
    _upload(provider, "health_certificate", _certificate(), "HC-778813", valid_until)
    provider.get_by_role("button", name="Submit for review").click()
    expect(provider.locator("main")).to_contain_text("our team is reviewing")

    # Ops approve
    ops.goto(url + "/ops/verification/")
    ops.get_by_role("link", name="Mei Chen").click()
    ops.get_by_role("button", name="Approve", exact=True).last.click()
    expect(ops.locator(".messages")).to_contain_text("Decision recorded")

    # Then Mei is verified and publishes: the service is live with its badges
    provider.goto(url + "/dashboard/verification/")
    expect(provider.locator("main")).to_contain_text("you are verified")
    provider.goto(f"{url}/dashboard/services/{listing.public_id}/")
    provider.get_by_role("button", name="Publish").first.click()
    provider.goto(f"{url}/services/{listing.public_id}/")
    expect(provider.locator("main")).to_contain_text("Two-hour home clean")
    provider.screenshot(path=artifacts_dir / "onboarding-live.png")

    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED
    assert {badge.kind for badge in badges_of(mei)} == {
        BadgeKind.ID_VERIFIED,
        BadgeKind.HEALTH_CERTIFICATE,
    }
    assert ProviderApplication.objects.get(provider=mei).status == "approved"
