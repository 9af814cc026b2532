"""The ops home: one page linking every back-office page, reached from the
header menu; each role sees the pages it opens."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.backoffice.views import SCHEDULE_PATH
from doorstep.payments.models import PayoutRequest
from tests.factories import make_ops, make_provider, make_user, sign_in_ops

pytestmark = pytest.mark.django_db
HOME = "/ops/"


def test_the_ops_home_links_every_ops_page(client):
    sign_in_ops(client, make_ops())

    html = client.get(HOME).content.decode()

    for url in (
        reverse("orders:ops_list"),
        reverse("payments:ops_payouts"),
        reverse("payments:finance_report"),
        SCHEDULE_PATH,
        reverse("admin:index"),
    ):
        assert f'href="{url}"' in html, url


def test_the_header_menu_links_the_ops_home_for_ops_only(client):
    sign_in_ops(client, make_ops())
    ops_page = client.get(reverse("web:home")).content.decode()
    client.force_login(make_user())
    customer_page = client.get(reverse("web:home")).content.decode()

    assert f'href="{HOME}"' in ops_page
    assert f'href="{HOME}"' not in customer_page


def test_a_role_sees_only_the_pages_it_opens(client):
    sign_in_ops(client, make_ops("Support"))

    html = client.get(HOME).content.decode()

    assert reverse("orders:ops_list") in html
    assert reverse("payments:finance_report") not in html
    assert client.get(reverse("payments:finance_report")).status_code == 403


def test_others_do_not_find_the_ops_home(client):
    assert client.get(HOME).status_code in (302, 404)
    client.force_login(make_user())
    assert client.get(HOME).status_code == 404
    # Staff whose session has no second factor are sent to set one up
    sign_in_ops(client, make_ops(totp=False), second_factor=False)
    assert client.get(HOME).url == reverse("mfa_index")


def test_the_home_shows_each_queue_with_its_size_and_oldest_item(client):
    sign_in_ops(client, make_ops("Finance"))
    empty = client.get(HOME).content.decode()
    request = PayoutRequest.objects.create(
        provider=make_provider(), amount=12000, currency="CNY"
    )
    PayoutRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(hours=3)
    )

    html = client.get(HOME).content.decode()

    assert _queue_row(empty, "payout_requests").count("<td>0</td>") == 1
    row = _queue_row(html, "payout_requests")
    assert "<td>1</td>" in row
    assert "3\xa0hours ago" in row


def test_a_queue_is_hidden_from_roles_without_its_permission(client):
    sign_in_ops(client, make_ops("Support"))

    assert 'data-queue="payout_requests"' not in client.get(HOME).content.decode()


def _queue_row(html: str, key: str) -> str:
    return html[html.index(f'data-queue="{key}"') :].split("</tr>")[0]
