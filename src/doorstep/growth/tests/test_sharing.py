"""Share links, the QR code for WeChat, the preview picture's drawing and the
``{% share_buttons %}`` tag: what a person sharing a page hands to each app."""

import io
import re
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree

import pytest
import zxingcpp
from django.template import Context, Template
from django.test import RequestFactory
from PIL import Image

from doorstep.growth.sharing import (
    PREVIEW_SIZE,
    PreviewCard,
    og_locale,
    qr_code,
    qr_svg,
    render_preview_png,
    share_links,
    wrap_text,
)

URL = "https://doorstep.example/services/lst_7Gk2/?from=share&lang=zh-hans#reviews"
TEXT = "上门深度保洁 & 除螨 — 评分 4.9 / 5？"


# --- Links --------------------------------------------------------------------------


def _query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


def test_whatsapp_gets_the_text_and_the_url_in_one_parameter():
    links = share_links(url=URL, text=TEXT)

    assert links.whatsapp.startswith("https://wa.me/?text=")
    assert _query(links.whatsapp) == {"text": [f"{TEXT} {URL}"]}


def test_line_gets_the_url_only():
    links = share_links(url=URL, text=TEXT)

    assert links.line.startswith("https://social-plugins.line.me/lineit/share?url=")
    assert _query(links.line) == {"url": [URL]}


def test_telegram_gets_url_and_text_apart():
    links = share_links(url=URL, text=TEXT)

    assert links.telegram.startswith("https://t.me/share/url?url=")
    assert _query(links.telegram) == {"url": [URL], "text": [TEXT]}


def test_reserved_characters_never_escape_their_parameter():
    links = share_links(url=URL, text=TEXT)

    for link in (links.whatsapp, links.line, links.telegram):
        query = urlsplit(link).query
        # The URL's own "&", "=", "?" and "#" and the text's spaces are encoded:
        # the only raw separators are the link's own.
        assert "#" not in link
        assert " " not in link
        assert "+" not in query
        assert query.count("&") == (1 if link is links.telegram else 0)
    assert "%E4%B8%8A%E9%97%A8" in links.whatsapp  # 上门, as UTF-8


def test_mail_uses_percent_twenty_and_crlf():
    links = share_links(url=URL, text=TEXT)

    assert links.email.startswith("mailto:?subject=")
    assert "+" not in links.email
    subject, body = links.email.removeprefix("mailto:?").split("&")
    assert unquote(subject.removeprefix("subject=")) == TEXT
    assert unquote(body.removeprefix("body=")) == f"{TEXT}\r\n{URL}"


# --- QR code ------------------------------------------------------------------------


def _svg_modules(svg: str) -> tuple[int, set[tuple[int, int]]]:
    """The dark modules an inline SVG of segno's draws: its path is
    horizontal strokes one unit high ("M x y.5 h n m dx dy …")."""
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own output)
    _x, _y, width, height = (float(v) for v in root.attrib["viewBox"].split())
    assert width == height
    stroke = next(path for path in root.iter("path") if path.get("stroke"))
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d.\s]+)", stroke.get("d")):
        values = [float(value) for value in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            length = values[0] if command == "h" else values[0] - x
            for column in range(int(x), int(x + length)):
                dark.add((column, int(y)))
            x += length
    return int(width), dark


def _rasterise(size: int, dark: set[tuple[int, int]], scale: int = 8) -> Image.Image:
    image = Image.new("L", (size, size), 255)
    for column, row in dark:
        image.putpixel((column, row), 0)
    return image.resize((size * scale, size * scale), Image.NEAREST)


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "https://doorstep.example/reviews/rev_1/",
        "https://到家.example/路径?q=保洁",
    ],
)
def test_the_qr_svg_decodes_to_the_url(url):
    svg = qr_svg(url, title="QR")

    size, dark = _svg_modules(svg)
    decoded = zxingcpp.read_barcodes(_rasterise(size, dark))

    assert [result.text for result in decoded] == [url]
    assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode


def test_the_qr_svg_has_the_symbol_size_of_the_url_plus_a_quiet_zone():
    svg = qr_svg(URL)

    size, dark = _svg_modules(svg)
    modules = qr_code(URL).symbol_size(scale=1, border=0)[0]

    assert size == modules + 2 * 4
    assert min(column for column, _row in dark) == 4  # the quiet zone is empty
    assert max(column for column, _row in dark) == 4 + modules - 1


def test_the_qr_svg_is_plain_inline_markup():
    svg = qr_svg(URL, title='Scan <me> & "share"')

    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    assert "style=" not in svg  # the CSP allows no inline styles
    assert "<script" not in svg
    title = ElementTree.fromstring(svg).find("title")  # noqa: S314 (our own output)
    assert title.text == 'Scan <me> & "share"'


# --- Preview pictures ---------------------------------------------------------------


def test_og_locale_names_each_language():
    assert og_locale("en") == "en_US"
    assert og_locale("zh-hans") == "zh_CN"
    assert og_locale("zh-hant") == "zh_TW"
    assert og_locale(None) == "en_US"


def test_chinese_wraps_between_characters_and_ends_in_an_ellipsis():
    lines = wrap_text("专业上门深度保洁" * 20, width=400, size=40, max_lines=3)

    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(line for line in lines)


def test_a_short_title_is_one_line():
    assert wrap_text("Deep clean", width=600, size=40, max_lines=3) == ["Deep clean"]


def _photo() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def test_the_picture_is_a_1200_by_630_png_with_the_photo_on_the_right():
    card = PreviewCard(
        site_name="Doorstep 到家",
        title="深度保洁 Deep clean",
        subtitle="王阿姨 · Cleaning",
        rating=4.6,
        rating_count=23,
        rating_label="4.6 · 23 条评价",
        price="起价 ¥300.00",
    )

    image = Image.open(io.BytesIO(render_preview_png(card, photo=_photo())))

    assert image.format == "PNG"
    assert image.size == PREVIEW_SIZE
    red, green, _blue = image.convert("RGB").getpixel((1100, 300))
    assert red > 150  # the photo
    assert green < 80


def test_cjk_text_draws_glyphs_not_empty_boxes(settings):
    # The same Chinese title drawn with the CJK font and with Pillow's default
    # font (which has no CJK glyphs) must differ: the CJK font is in use.
    card = PreviewCard(site_name="到家", title="深度保洁")
    with_cjk = render_preview_png(card)
    settings.DOORSTEP_SHARE_FONT = "/nonexistent/font.ttc"

    fallback = render_preview_png(card)

    assert Image.open(io.BytesIO(fallback)).size == PREVIEW_SIZE
    assert with_cjk != fallback


def test_a_broken_photo_is_left_out():
    card = PreviewCard(site_name="Doorstep", title="Deep clean")

    png = render_preview_png(card, photo=io.BytesIO(b"not an image"))

    assert Image.open(io.BytesIO(png)).size == PREVIEW_SIZE


def test_the_fingerprint_follows_what_the_card_says():
    card = PreviewCard(site_name="Doorstep", title="Deep clean", price="¥300")

    assert card.fingerprint() == PreviewCard(**card.__dict__).fingerprint()
    assert (
        card.fingerprint()
        != PreviewCard(
            site_name="Doorstep", title="Deep clean", price="¥320"
        ).fingerprint()
    )


# --- The template tag ---------------------------------------------------------------


def _render(url: str, text: str, request=None) -> str:
    template = Template("{% load sharing %}{% share_buttons url text %}")
    return template.render(Context({"url": url, "text": text, "request": request}))


def test_the_tag_makes_a_path_absolute_from_the_request():
    request = RequestFactory().get("/", HTTP_HOST="doorstep.example")

    html = _render("/reviews/rev_1/", "Cora 的评价", request)

    assert 'value="http://doorstep.example/reviews/rev_1/"' in html
    assert "https://wa.me/?text=Cora%20%E7%9A%84" in html


def test_the_tag_falls_back_to_the_base_url(settings):
    settings.DOORSTEP_BASE_URL = "https://doorstep.example/"

    html = _render("/services/lst_1/", "Deep clean")

    assert 'data-share-url="https://doorstep.example/services/lst_1/"' in html


def test_the_tag_renders_every_way_to_share_without_inline_script():
    html = _render(URL, TEXT, RequestFactory().get("/"))

    for marker in ("whatsapp", "line", "telegram", "email"):
        assert f'data-share-app="{marker}"' in html
    assert "data-share-copy" in html
    assert 'class="share__qr"' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts == [(' src="/static/growth/share.js" defer', "")]
    # Escaped once in attributes: the page cannot be broken out of.
    assert "&amp;lang=zh-hans" in html
    assert "&lang=" not in html
