"""Sharing without third-party scripts: links that open WhatsApp, LINE, Telegram
or a mail client with a page's address and a line of text, a QR code to scan
with WeChat (drawn here as inline SVG), and the 1200×630 picture a shared link
shows in a chat or a feed.

Pure helpers: they take strings and files and return strings and bytes. Which
pages may be shared, and what their cards say, is decided by the views that
call them (``doorstep.web.previews``).
"""

import hashlib
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import IO
from urllib.parse import quote

import segno
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, ImageOps

# Percent-encode everything outside the unreserved set: "&", "=", "#", "?" or a
# space inside the text must never end the parameter they are in.
_SAFE = ""
CRLF = "\r\n"


def _encode(value: str) -> str:
    return quote(value, safe=_SAFE)


@dataclass(frozen=True)
class ShareLinks:
    url: str
    text: str
    whatsapp: str
    line: str
    telegram: str
    email: str


def share_links(*, url: str, text: str) -> ShareLinks:
    """The links that hand ``url`` and ``text`` to each app. ``url`` must be
    absolute: it is opened on someone else's phone."""
    message = f"{text} {url}".strip()
    return ShareLinks(
        url=url,
        text=text,
        whatsapp=f"https://wa.me/?text={_encode(message)}",
        line=f"https://social-plugins.line.me/lineit/share?url={_encode(url)}",
        telegram=f"https://t.me/share/url?url={_encode(url)}&text={_encode(text)}",
        # RFC 6068: spaces as %20 (a "+" would show as a plus sign), lines
        # separated by CRLF.
        email=f"mailto:?subject={_encode(text)}&body={_encode(text + CRLF + url)}",
    )


# --- QR code ------------------------------------------------------------------------

QR_ERROR_LEVEL = "m"  # survives a smudged screen or a small scratch


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR_LEVEL, micro=False)


# Drawing a code is most of a listing page's sharing box (segno tries all eight
# masks); the same page asks for the same address every time.
@lru_cache(maxsize=512)
def qr_svg(url: str, *, title: str = "", css_class: str = "share__qr") -> str:
    """The QR code of ``url`` as an inline <svg> (no XML declaration or
    namespace, as HTML5 embeds it), sized by its viewBox so CSS sets its width.
    One module is one unit; the quiet zone is the standard four modules."""
    return qr_code(url).svg_inline(
        scale=1,
        border=4,
        omitsize=True,
        title=title or None,
        svgclass=css_class,
        lineclass=None,
        dark="#000",
        light="#fff",
    )


# --- Preview pictures ---------------------------------------------------------------

PREVIEW_SIZE = (1200, 630)
# Bump when the drawing changes, so cached pictures and ETags change with it.
PREVIEW_VERSION = 1
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

_INK = (23, 32, 42)
_MUTED = (86, 98, 112)
_BRAND = (13, 110, 94)
_STAR = (245, 166, 35)
_STAR_EMPTY = (214, 219, 225)
_PAPER = (255, 255, 255)
_MARGIN = 64
_PHOTO_WIDTH = 480


@dataclass(frozen=True)
class PreviewCard:
    """What a preview picture says. ``photo_key`` names the photo (its storage
    name) so that a new photo changes the fingerprint."""

    site_name: str
    title: str
    subtitle: str = ""
    quote: str = ""
    rating: float | None = None
    rating_count: int = 0
    rating_label: str = ""  # "4.8 · 23 reviews", in the reader's language
    price: str = ""  # "From ¥300.00", already formatted
    photo_key: str = ""

    def fingerprint(self) -> str:
        """A strong validator: the same card always draws the same picture."""
        payload = json.dumps(
            {"version": PREVIEW_VERSION, **asdict(self)},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _font_path() -> str:
    return getattr(settings, "DOORSTEP_SHARE_FONT", DEFAULT_FONT)


@lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        # No CJK font on this machine: Pillow's own font still draws Latin text.
        return ImageFont.load_default(size=size)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return _font(_font_path(), size)


# A CJK or full-width character may break a line anywhere; other text breaks
# between words.
_TOKENS = re.compile(
    r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff]+\s*|\s+"
)


def _tokens(text: str) -> Iterator[str]:
    yield from _TOKENS.findall(" ".join(text.split()))


def wrap_text(text: str, *, width: int, size: int, max_lines: int) -> list[str]:
    """``text`` in lines no wider than ``width`` pixels, at most ``max_lines``;
    the last one ends in "…" when text was left out."""
    face = font(size)
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        candidate = current + token
        if face.getlength(candidate.rstrip()) <= width or not current:
            # A single token wider than the line is cut character by character.
            while face.getlength(candidate.rstrip()) > width and len(candidate) > 1:
                cut = len(candidate) - 1
                while cut > 1 and face.getlength(candidate[:cut]) > width:
                    cut -= 1
                lines.append(candidate[:cut])
                candidate = candidate[cut:]
            current = candidate
            continue
        lines.append(current.rstrip())
        current = token.lstrip()
    if current.strip():
        lines.append(current.rstrip())
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and face.getlength(last + "…") > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + "…"
    return kept


def _star(draw: ImageDraw.ImageDraw, x: float, y: float, r: float, fill) -> None:
    points = []
    for index in range(10):
        radius = r if index % 2 == 0 else r * 0.45
        angle = math.pi / 2 + index * math.pi / 5
        points.append((x + radius * math.cos(angle), y - radius * math.sin(angle)))
    draw.polygon(points, fill=fill)


def _draw_stars(draw: ImageDraw.ImageDraw, x: int, y: int, rating: float) -> int:
    """Five stars, the first ``round(rating)`` filled; returns the right edge."""
    radius, step = 18, 42
    filled = round(rating)
    for index in range(5):
        colour = _STAR if index < filled else _STAR_EMPTY
        _star(draw, x + radius + index * step, y + radius, radius, colour)
    return x + 5 * step


def _paste_photo(canvas: Image.Image, photo: IO[bytes]) -> bool:
    try:
        with Image.open(photo) as source:
            source.draft("RGB", (PREVIEW_SIZE[1] * 2, PREVIEW_SIZE[1] * 2))
            image = ImageOps.exif_transpose(source).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return False
    fitted = ImageOps.fit(image, (_PHOTO_WIDTH, PREVIEW_SIZE[1]))
    canvas.paste(fitted, (PREVIEW_SIZE[0] - _PHOTO_WIDTH, 0))
    return True


def render_preview_png(card: PreviewCard, *, photo: IO[bytes] | None = None) -> bytes:
    """Draw ``card`` as a 1200×630 PNG: the site's name, the title (or a quote),
    a subtitle, the stars and rating, the price, and the photo on the right."""
    canvas = Image.new("RGB", PREVIEW_SIZE, _PAPER)
    draw = ImageDraw.Draw(canvas)
    has_photo = photo is not None and _paste_photo(canvas, photo)
    text_right = PREVIEW_SIZE[0] - (_PHOTO_WIDTH if has_photo else 0) - _MARGIN
    width = text_right - _MARGIN

    draw.rectangle((0, 0, 12, PREVIEW_SIZE[1]), fill=_BRAND)
    y = _MARGIN - 8
    draw.text((_MARGIN, y), card.site_name, font=font(34), fill=_BRAND)
    y += 70

    if card.quote:
        for line in wrap_text(f"“{card.quote}”", width=width, size=44, max_lines=5):
            draw.text((_MARGIN, y), line, font=font(44), fill=_INK)
            y += 58
        y += 8
    if card.title:
        size = 40 if card.quote else 60
        lines = wrap_text(card.title, width=width, size=size, max_lines=3)
        for line in lines:
            draw.text((_MARGIN, y), line, font=font(size), fill=_INK)
            y += int(size * 1.25)
    if card.subtitle:
        y += 6
        for line in wrap_text(card.subtitle, width=width, size=32, max_lines=2):
            draw.text((_MARGIN, y), line, font=font(32), fill=_MUTED)
            y += 42

    bottom = PREVIEW_SIZE[1] - _MARGIN
    if card.price:
        draw.text((_MARGIN, bottom), card.price, font=font(48), fill=_INK, anchor="ls")
        bottom -= 76
    if card.rating is not None and card.rating_count:
        right = _draw_stars(draw, _MARGIN, bottom - 36, card.rating)
        if card.rating_label:
            draw.text(
                (right + 12, bottom),
                card.rating_label,
                font=font(32),
                fill=_MUTED,
                anchor="ls",
            )

    output = io.BytesIO()
    canvas.save(output, format="PNG", optimize=True)
    return output.getvalue()


# --- Link previews (OpenGraph, Twitter cards) ---------------------------------------

# og:locale wants language_TERRITORY.
OG_LOCALES = {"en": "en_US", "zh-hans": "zh_CN", "zh-hant": "zh_TW"}
OG_DESCRIPTION_LENGTH = 200


def og_locale(language: str | None) -> str:
    return OG_LOCALES.get((language or "").lower(), OG_LOCALES["en"])


def short_description(text: str, length: int = OG_DESCRIPTION_LENGTH) -> str:
    text = " ".join(text.split())
    if len(text) > length:
        text = text[: length - 1].rstrip() + "…"
    return text


@dataclass(frozen=True)
class ShareMeta:
    """What a shared link shows (``web/includes/share_meta.html``). Every URL
    is absolute: a chat app fetches them from elsewhere."""

    title: str
    description: str
    url: str
    image_url: str
    language: str
    type: str = "website"
    image_width: int = PREVIEW_SIZE[0]
    image_height: int = PREVIEW_SIZE[1]

    @property
    def locale(self) -> str:
        return og_locale(self.language)

    @property
    def locale_alternates(self) -> list[str]:
        return [value for value in OG_LOCALES.values() if value != self.locale]


def share_meta(
    request, *, title: str, description: str, path: str, image_path: str
) -> ShareMeta:
    """The preview of the page at ``path`` in the request's language; the
    picture at ``image_path`` is asked for in that language too, so one URL
    always draws the same picture (and caches as one)."""
    language = getattr(request, "LANGUAGE_CODE", "") or "en"
    return ShareMeta(
        title=title,
        description=short_description(description),
        url=request.build_absolute_uri(path),
        image_url=request.build_absolute_uri(f"{image_path}?lang={language}"),
        language=language,
    )
