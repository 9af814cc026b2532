"""Fixtures for the invoicing tests: the sandbox gateway (as the payments
tests use it), a customer's order paid and taken, and reading a PDF's text."""

import re

import pytest

from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from tests.factories import make_category, make_listing, make_order, make_user

CARD_OK = "4242 4242 4242 4242"


@pytest.fixture(autouse=True)
def _sandbox(settings, tmp_path):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_SERVICE_FEE_BPS = 500
    settings.DOORSTEP_ISSUER_NAME = "Doorstep Ltd"
    settings.DOORSTEP_ISSUER_ADDRESS = "1 Harbour Road\nShanghai"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "doorstep.trust.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    sandbox.clear_injected_failures()
    yield
    sandbox.clear_injected_failures()


@pytest.fixture
def category():
    category = make_category("plumbing")
    category.commission_bps = 1500
    category.save(update_fields=["commission_bps"])
    return category


@pytest.fixture
def listing(category):
    return make_listing(category=category, price=10_000, currency="CNY")


@pytest.fixture
def provider(listing):
    return listing.provider


@pytest.fixture
def customer():
    return make_user(name="Ada Lovelace", time_zone="Asia/Shanghai")


@pytest.fixture
def order(listing, customer):
    return make_order(listing=listing, customer=customer)


def pay(order):
    """The customer's card authorised and the money taken into escrow."""
    flows.authorise_order(order=order, payment_method=CARD_OK)
    return flows.capture_order(order=order)


def set_state(order, state: str) -> None:
    type(order).objects.filter(pk=order.pk).update(state=state)
    order.state = state


_TOKEN = re.compile(
    rb"/(?P<font>F\d+) [\d.]+ Tf|\((?P<text>(?:\\.|[^\\)])*)\)\s*Tj", re.S
)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_CID_FONT = re.compile(rb"/BaseFont /STSong-Light.*?/Name /(F\d+)", re.S)


def _unescape(raw: bytes) -> bytes:
    simple = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(match: re.Match) -> bytes:
        token = match.group(1)
        if token[:1].isdigit():
            return bytes([int(token, 8) & 0xFF])
        return simple.get(token, token)

    return _ESCAPE.sub(one, raw)


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages of an uncompressed reportlab PDF, one
    string a line: Helvetica's strings are cp1252, the CID font's UTF-16BE."""
    assert data.startswith(b"%PDF")
    cid_fonts = {name.decode() for name in _CID_FONT.findall(data)}
    font = ""
    texts = []
    for match in _TOKEN.finditer(data):
        if match.group("font"):
            font = match.group("font").decode()
            continue
        raw = _unescape(match.group("text"))
        encoding = "utf-16-be" if font in cid_fonts else "cp1252"
        texts.append(raw.decode(encoding, errors="replace"))
    return "\n".join(texts)
