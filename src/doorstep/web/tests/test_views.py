"""The shared pages: home, language switch, error pages, and
the Content-Security-Policy every page is served with."""

import gzip
import re
from pathlib import Path
from xml.dom import minidom

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import permission_denied, server_error

from doorstep.catalog.models import Category
from doorstep.web.views import rate_limited

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories() -> list[Category]:
    cleaning = Category.objects.create(
        slug="cleaning",
        name_en="Cleaning",
        name_zh_hans="清洁",
        name_zh_hant="清潔",
        description_en="Homes and offices, spotless.",
        icon="cleaning",
        position=1,
    )
    deep = Category.objects.create(
        parent=cleaning,
        slug="deep-cleaning",
        name_en="Deep cleaning",
        name_zh_hans="深度清洁",
        name_zh_hant="深度清潔",
    )
    repair = Category.objects.create(
        slug="repair",
        name_en="Appliance repair",
        name_zh_hans="家电维修",
        name_zh_hant="家電維修",
        icon="wrench",
        position=2,
    )
    hidden = Category.objects.create(
        slug="retired",
        name_en="Retired service",
        name_zh_hans="停用",
        name_zh_hant="停用",
        is_active=False,
    )
    return [cleaning, deep, repair, hidden]


def test_home_shows_the_category_tree(client, categories):
    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Cleaning" in html
    assert "Deep cleaning" in html
    assert "Appliance repair" in html
    assert "Retired service" not in html
    # the child is listed inside its root's card
    cleaning_card = html[html.index('id="category-cleaning"') :]
    assert cleaning_card.index("Deep cleaning") < cleaning_card.index(
        "Appliance repair"
    )
    # icons come from the sprite: a known symbol, and a synonym mapped to one
    assert "icons.svg#cleaning" in html
    assert "icons.svg#repair" in html


def test_home_in_simplified_chinese_shows_chinese_names(client, categories):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.get(reverse("web:home"))

    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "清洁" in html
    assert "深度清洁" in html
    assert "家电维修" in html
    assert "Deep cleaning" not in html
    assert "浏览服务" in html  # "Browse services", from the catalogue


def test_home_without_categories_says_so(client):
    response = client.get(reverse("web:home"))

    assert "No services are listed yet" in response.content.decode()


def test_web_search_name_still_leads_to_the_search_page(client):
    assert reverse("web:search") == reverse("search:search")


def test_home_search_form_targets_the_search_page(client):
    html = client.get(reverse("web:home")).content.decode()

    form = re.search(r'<form class="search-form"[^>]*>', html).group(0)
    assert f'action="{reverse("search:search")}"' in form
    assert 'method="get"' in form
    assert 'name="q"' in html
    # "Where?" offers the quick-pick cities; the search page turns one into lat/lng
    assert '<select id="search-city" name="city">' in html
    assert '<option value="shanghai">Shanghai</option>' in html


def test_language_switch_sets_the_cookie_and_the_next_page_is_chinese(client):
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": reverse("web:home")}
    )

    assert response.status_code == 302
    assert response.url == reverse("web:home")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"

    html = client.get(reverse("web:home")).content.decode()
    assert '<html lang="zh-hans"' in html
    assert "登录" in html  # "Sign in"
    assert "如何运作" in html  # "How it works"


def test_traditional_chinese_uses_taiwan_terms(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"

    html = client.get(reverse("account_login")).content.decode()

    assert '<html lang="zh-hant"' in html
    assert "登入" in html
    assert "密碼" in html


def test_language_switcher_is_a_labelled_post_form(client):
    html = client.get(reverse("web:home")).content.decode()

    form = re.search(r'<form class="language-form".*?</form>', html, re.S).group(0)
    assert f'action="{reverse("set_language")}"' in form
    assert 'method="post"' in form
    assert "csrfmiddlewaretoken" in form
    assert '<label for="language-select"' in form
    for code in ("en", "zh-hans", "zh-hant"):
        assert f'value="{code}"' in form
    assert 'type="submit"' in form


def test_layout_has_landmarks_and_a_skip_link(client):
    html = client.get(reverse("web:home")).content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html
    assert "<footer" in html
    assert "<nav" in html
    assert 'name="htmx-config"' in html
    assert "includeIndicatorStyles" in html
    assert "vendor/htmx.min.js" in html


def test_signed_in_header_shows_the_user_menu(client, django_user_model):
    user = django_user_model.objects.create_user(
        email="ana@example.com", password="x-Long-password-1", name="Ana Lima"
    )
    client.force_login(user)

    html = client.get(reverse("web:home")).content.decode()

    assert "Ana Lima" in html
    assert reverse("accounts:profile") in html
    assert "Become a provider" in html
    sign_out = re.search(
        rf'<form method="post" action="{reverse("account_logout")}">', html
    )
    assert sign_out is not None


def test_unknown_page_renders_the_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "We can\N{RIGHT SINGLE QUOTATION MARK}t find that page" in html
    assert '<main id="main"' in html


def test_403_page_renders_in_the_layout(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    response = permission_denied(request, exception=None)

    assert response.status_code == 403
    assert (
        "You can\N{RIGHT SINGLE QUOTATION MARK}t open this page"
        in response.content.decode()
    )


def test_500_page_renders_without_a_request_or_context_processors():
    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
    assert "site.css" in html


def test_500_view_uses_the_page():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_rate_limited_page_is_a_429(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    response = rate_limited(request, Exception())

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()


def test_csp_header_allows_no_inline_script(client):
    response = client.get(reverse("web:home"))

    policy = response["Content-Security-Policy"]
    directives = dict(
        part.strip().split(" ", 1) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives["style-src"]


def test_the_icon_sprite_parses_and_has_every_icon_the_templates_name():
    """A broken sprite hides every icon on every page at once."""
    web = Path(settings.BASE_DIR)
    # Our own file, not untrusted input.
    sprite = minidom.parse(str(web / "web/static/web/icons.svg"))  # noqa: S318
    symbols = {
        node.getAttribute("id") for node in sprite.getElementsByTagName("symbol")
    }
    named = set()
    for template in web.glob("*/templates/**/*.html"):
        named |= set(re.findall(r'{% icon "([a-z-]+)"', template.read_text()))

    assert named
    assert named <= symbols, named - symbols


def test_pages_are_gzipped_for_clients_that_take_it(client, categories):
    plain = client.get("/")
    assert "Content-Encoding" not in plain
    packed = client.get("/", headers={"accept-encoding": "gzip, deflate, br"})
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content).decode().count("Deep cleaning") == (
        plain.content.decode().count("Deep cleaning")
    )
    assert len(packed.content) < len(plain.content) / 2
