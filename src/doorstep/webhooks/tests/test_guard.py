"""The SSRF guard, with the operator's allowance off: private, loopback,
link-local and mapped addresses are refused at registration and at delivery."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.core.errors import DomainError
from doorstep.webhooks import services
from doorstep.webhooks.guard import RefusedTarget, Target, is_public, vet_url
from doorstep.webhooks.models import Delivery, Endpoint
from doorstep.webhooks.transport import post
from tests.factories import make_user

REFUSED = [
    "https://10.0.0.1/hook",
    "https://127.0.0.1/hook",
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:a00:1]/hook",  # 10.0.0.1, mapped and written in hex
    "https://localhost/hook",  # a host name resolving to loopback
    "https://0.0.0.0/hook",
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://224.0.0.1/hook",
    "https://192.168.1.10:8443/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
]


@pytest.fixture
def strict(settings):
    settings.DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = False
    settings.DOORSTEP_WEBHOOKS_ALLOW_HTTP = False
    return settings


@pytest.mark.parametrize("url", REFUSED)
def test_private_targets_are_refused(strict, url):
    with pytest.raises(RefusedTarget):
        vet_url(url)


@pytest.mark.django_db
@pytest.mark.parametrize("url", REFUSED)
def test_registering_a_private_target_is_refused_and_saves_nothing(strict, url):
    with pytest.raises(DomainError) as refused:
        services.create_endpoint(owner=make_user(), url=url)
    assert refused.value.code == "webhook_url_refused"
    assert refused.value.status == 422
    assert "url" in refused.value.fields
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34/hook",
        "ftp://93.184.216.34/",
        "https://user:pw@93.184.216.34/",
    ],
)
def test_plain_http_other_schemes_and_credentials_are_refused(strict, url):
    with pytest.raises(RefusedTarget):
        vet_url(url)


def test_a_public_address_passes_and_is_pinned(strict):
    target = vet_url("https://93.184.216.34:8443/in?x=1")
    assert (target.ip, target.port, target.path) == ("93.184.216.34", 8443, "/in?x=1")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("::ffff:169.254.169.254", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("::", False),
        ("ff02::1", False),
    ],
)
def test_is_public(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.django_db
def test_a_target_that_turned_private_is_refused_at_delivery(
    settings, receiver, django_capture_on_commit_callbacks
):
    # given an endpoint registered while the operator allowed local targets
    endpoint, _secret = services.create_endpoint(owner=make_user(), url=receiver.url)
    # when the allowance is withdrawn (as a host re-pointed to 127.0.0.1 would be)
    settings.DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = False
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test_message(user=endpoint.owner, endpoint_id=endpoint.public_id)
    # then nothing reached the receiver; the attempt says why and will be retried
    assert receiver.requests == []
    delivery = Delivery.objects.get(endpoint=endpoint)
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert "private" in attempt.error
    assert delivery.status == Delivery.Status.PENDING


@given(st.ip_addresses(v=4))
def test_a_mapped_address_is_judged_as_the_ipv4_inside(address):
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    assert is_public(mapped) is is_public(address)


def test_the_attempt_connects_to_the_vetted_address_not_a_new_lookup(receiver):
    # given a target vetted to 127.0.0.1 for a host that resolves nowhere
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    target = Target("http", "rebound.invalid", port, "127.0.0.1", "/hooks")
    # when it is sent to, no second lookup happens: the vetted address is used
    outcome = post(target=target, headers={"webhook-id": "msg_x"}, body=b"{}")
    assert outcome.status_code == 200
    [received] = receiver.requests
    assert received.headers["host"] == f"rebound.invalid:{port}"


def test_redirects_are_not_followed(receiver):
    receiver.answer(302)
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    target = Target("http", "127.0.0.1", port, "127.0.0.1", "/hooks")
    outcome = post(target=target, headers={}, body=b"{}")
    assert outcome.status_code == 302
    assert len(receiver.requests) == 1
