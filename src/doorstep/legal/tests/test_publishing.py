"""Ops publish versions of the terms and the privacy policy; everyone reads the
version in force in their language, and earlier versions stay readable."""

import pytest
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import DomainError, PermissionDenied
from doorstep.legal import services
from doorstep.legal.models import PolicyVersion
from doorstep.legal.tests.conftest import publish
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


# --- The service --------------------------------------------------------------------


def test_versions_are_numbered_per_document_and_the_first_is_always_material(
    ops_admin,
):
    # Given nothing published, when ops publish an "editorial" first version
    first = publish("terms", material=False, actor=ops_admin)
    # and then an editorial fix and a privacy policy
    second = publish("terms", material=False, actor=ops_admin, summary_en="Typo.")
    privacy = publish("privacy", actor=ops_admin)

    # Then the first counts as material (nobody accepted anything yet)
    assert (first.number, first.material) == (1, True)
    assert (second.number, second.material) == (2, False)
    assert privacy.number == 1
    # and the old version row is untouched
    first.refresh_from_db()
    assert first.summary_en == "First version."


def test_every_publication_is_audited_with_its_reason(ops_admin):
    version = publish("terms", actor=ops_admin, reason="Launch in Taipei")

    entry = AuditEntry.objects.get(action="legal.publish_version")
    assert entry.actor == ops_admin
    assert entry.target_id == version.public_id
    assert entry.reason == "Launch in Taipei"
    assert entry.after["version"] == 1
    assert entry.after["material"] is True


@pytest.mark.parametrize("role", ["Support", "Finance", "Trust & safety"])
def test_roles_without_manage_settings_cannot_publish(role):
    actor = make_ops(role)

    with pytest.raises(PermissionDenied) as refused:
        publish("terms", actor=actor)

    assert refused.value.code == "ops_permission_required"
    assert PolicyVersion.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_a_customer_cannot_publish():
    with pytest.raises(PermissionDenied):
        publish("terms", actor=make_user())
    assert PolicyVersion.objects.count() == 0


def test_bad_input_is_refused_per_field_and_nothing_is_written(ops_admin):
    with pytest.raises(DomainError) as refused:
        services.publish_version(
            actor=ops_admin,
            document="cookies",
            material=True,
            body_en="  ",
            summary_en="",
        )

    assert set(refused.value.fields) == {"document", "body_en", "summary_en"}
    assert PolicyVersion.objects.count() == 0
    assert AuditEntry.objects.count() == 0


# --- Public pages -------------------------------------------------------------------


def test_the_terms_page_shows_the_version_in_force_in_the_viewers_language(
    client, policies
):
    english = client.get(reverse("legal:terms"), HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(reverse("legal:terms"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    traditional = client.get(reverse("legal:privacy"), HTTP_ACCEPT_LANGUAGE="zh-hant")

    assert english.status_code == 200
    assert "What we do" in english.text
    assert "我们做什么" in chinese.text
    assert "我們蒐集什麼" in traditional.text


def test_a_language_without_its_text_falls_back_to_english(client, ops_admin):
    publish("terms", actor=ops_admin, body_zh_hans="", body_zh_hant="")

    response = client.get(reverse("legal:terms"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert "What we do" in response.text


def test_markdown_is_rendered_and_html_is_escaped(client, ops_admin):
    publish(
        "terms",
        actor=ops_admin,
        body_en="## Fees\n\n**Bold** <script>alert(1)</script> "
        "[bad](javascript:alert(1)) [ok](https://example.com)",
    )

    html = client.get(reverse("legal:terms"), HTTP_ACCEPT_LANGUAGE="en").text

    assert "<h2>Fees</h2>" in html
    assert "<strong>Bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert 'href="https://example.com"' in html


def test_an_earlier_version_stays_readable_at_its_own_address(client, ops_admin):
    old = publish("terms", actor=ops_admin, body_en="Old rules.")
    publish("terms", actor=ops_admin, body_en="New rules.", summary_en="New.")

    current = client.get(reverse("legal:terms"), HTTP_ACCEPT_LANGUAGE="en").text
    earlier = client.get(old.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")

    assert "New rules." in current
    assert earlier.status_code == 200
    assert "Old rules." in earlier.text
    assert "no longer in force" in earlier.text


def test_pages_before_anything_is_published_say_so(client):
    assert client.get(reverse("legal:terms")).status_code == 404
    assert client.get(reverse("legal:privacy")).status_code == 404
    unknown = reverse("legal:version", kwargs={"document": "terms", "number": 9})
    assert client.get(unknown).status_code == 404


def test_the_footer_links_the_terms_and_privacy_policy(client):
    html = client.get(reverse("web:home")).text

    assert f'href="{reverse("legal:terms")}"' in html
    assert f'href="{reverse("legal:privacy")}"' in html


def test_the_api_serves_the_policy_in_force(client, policies):
    response = client.get("/api/v1/policies/privacy", HTTP_ACCEPT_LANGUAGE="zh-hant")
    missing = client.get("/api/v1/policies/cookies")

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["language"] == "zh-hant"
    assert "隱私" in body["text"]
    assert missing.status_code == 404
    assert missing.json()["code"] == "policy_version_not_found"


# --- The ops page -------------------------------------------------------------------


def _form(**changes):
    data = {
        "material": "on",
        "summary_en": "Fees are now shown per hour.",
        "summary_zh_hans": "费用改为按小时显示。",
        "summary_zh_hant": "費用改為按小時顯示。",
        "body_en": "## Fees\n\nPer hour.",
        "body_zh_hans": "## 费用\n\n按小时。",
        "body_zh_hant": "## 費用\n\n按小時。",
        "reason": "Hourly pricing launch",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_ops_admin_publishes_a_version_from_the_console(client, ops_admin):
    sign_in_ops(client, ops_admin)

    page = client.get(reverse("legal:ops_new_version", args=["terms"]))
    response = client.post(reverse("legal:ops_new_version", args=["terms"]), _form())

    assert page.status_code == 200
    assert "What we do" in page.text  # starts from the starter text
    assert response.status_code == 302
    version = PolicyVersion.objects.get()
    assert (version.number, version.material) == (1, True)
    assert version.body_zh_hant == "## 費用\n\n按小時。"
    listing = client.get(reverse("legal:ops_list"))
    assert "Fees are now shown per hour." in listing.text


def test_the_console_form_shows_errors_beside_the_field(client, ops_admin):
    sign_in_ops(client, ops_admin)

    response = client.post(
        reverse("legal:ops_new_version", args=["terms"]), _form(body_en="")
    )

    assert response.status_code == 400
    assert 'id="id_body_en_error"' in response.text
    assert PolicyVersion.objects.count() == 0


@pytest.mark.parametrize("role", ["Support", "Finance", "Trust & safety"])
def test_ops_without_manage_settings_are_refused_the_console(client, role):
    sign_in_ops(client, make_ops(role))

    assert client.get(reverse("legal:ops_list")).status_code == 403
    posted = client.post(reverse("legal:ops_new_version", args=["terms"]), _form())
    assert posted.status_code == 403
    assert PolicyVersion.objects.count() == 0


def test_the_console_does_not_exist_for_customers_or_ops_without_mfa(client):
    client.force_login(make_user())
    assert client.get(reverse("legal:ops_list")).status_code == 404

    sign_in_ops(client, make_ops("Ops admin"), second_factor=False)
    assert client.get(reverse("legal:ops_list")).status_code == 404
