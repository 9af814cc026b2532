"""With the sandbox as the gateway, every page and every API answer says that no
real money moves; with a real gateway, none does."""

import pytest


@pytest.mark.django_db
def test_the_sandbox_marks_pages_and_api_answers_as_test_mode(client):
    page = client.get("/")
    api = client.get("/api/v1/categories")

    assert "No real money moves." in page.content.decode()
    assert page["Doorstep-Test-Mode"] == "true"
    assert api["Doorstep-Test-Mode"] == "true"


@pytest.mark.django_db
def test_the_banner_is_translated(client):
    page = client.get("/", headers={"accept-language": "zh-hans"})

    assert "No real money moves." not in page.content.decode()
    assert "test-mode-banner" in page.content.decode()


@pytest.mark.django_db
def test_a_real_gateway_shows_no_test_mode(client, settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "stripe_connect"

    page = client.get("/")

    assert "test-mode-banner" not in page.content.decode()
    assert "Doorstep-Test-Mode" not in page
