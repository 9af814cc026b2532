"""The checks of Lighthouse's SEO category, run on a rendered page (Lighthouse
itself needs Node, which these machines do not have), and a validator of the
structured data by schema.org and Google's rich-result rules."""

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.http import HttpResponse

from doorstep.core.money import known_currencies

# Lighthouse's link-text audit: words that say nothing about where a link goes
# (its English list, and the same in Chinese).
GENERIC_LINK_TEXTS = {
    "click here",
    "click this",
    "go",
    "here",
    "information",
    "learn more",
    "more",
    "more info",
    "more information",
    "right here",
    "read more",
    "see more",
    "start",
    "this",
    "点击这里",
    "点击此处",
    "更多",
    "這裡",
    "點擊這裡",
    "更多資訊",
}


@dataclass
class Page:
    html_lang: str | None = None
    title: str = ""
    metas: list[dict[str, str]] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    anchors: list[tuple[dict[str, str], str]] = field(default_factory=list)
    images: list[dict[str, str]] = field(default_factory=list)
    json_ld: list[str] = field(default_factory=list)

    def meta(self, name: str) -> list[str]:
        return [
            meta.get("content", "")
            for meta in self.metas
            if meta.get("name", "").lower() == name or meta.get("property") == name
        ]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._in_title = False
        self._anchor: tuple[dict[str, str], list[str]] | None = None
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page.html_lang = values.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            self.page.metas.append(values)
        elif tag == "link":
            self.page.links.append(values)
        elif tag == "a":
            self._anchor = (values, [])
        elif tag == "img":
            self.page.images.append(values)
            if self._anchor is not None and values.get("alt"):
                self._anchor[1].append(values["alt"])
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._script = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "a" and self._anchor is not None:
            attrs, text = self._anchor
            self.page.anchors.append((attrs, " ".join("".join(text).split())))
            self._anchor = None
        elif tag == "script" and self._script is not None:
            self.page.json_ld.append("".join(self._script))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page.title += data
        if self._anchor is not None:
            self._anchor[1].append(data)
        if self._script is not None:
            self._script.append(data)


def parse(html: str) -> Page:
    parser = _PageParser()
    parser.feed(html)
    return parser.page


def valid_language_tag(tag: str) -> bool:
    try:
        Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        return False
    return True


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def audit_seo(response: HttpResponse, *, path: str) -> Page:
    """Assert every Lighthouse SEO audit passes for a page; return it parsed."""
    # http-status-code
    assert response.status_code == 200, (path, response.status_code)
    # is-crawlable (header)
    assert "noindex" not in response.get("X-Robots-Tag", "").lower()
    page = parse(response.content.decode())
    # document-title
    assert page.title.strip(), path
    # meta-description
    descriptions = page.meta("description")
    assert len(descriptions) == 1, (path, descriptions)
    assert descriptions[0].strip(), path
    # html-has-lang / html-lang-valid
    assert page.html_lang, path
    assert valid_language_tag(page.html_lang), page.html_lang
    # viewport
    assert any("width=device-width" in v for v in page.meta("viewport")), path
    # is-crawlable (meta)
    for robots in page.meta("robots") + page.meta("googlebot"):
        assert "noindex" not in robots.lower(), robots
        assert "none" not in robots.lower(), robots
    # canonical: one, absolute, this site, not the root of another page
    canonicals = [link["href"] for link in page.links if link.get("rel") == "canonical"]
    assert len(canonicals) == 1, (path, canonicals)
    canonical = urlsplit(canonicals[0])
    assert _absolute(canonicals[0]), canonicals
    assert canonical.netloc == "testserver"
    assert canonical.path == path, (canonical.path, path)
    # hreflang: valid codes, absolute URLs, every language and x-default once
    alternates = {
        link["hreflang"]: link["href"]
        for link in page.links
        if link.get("rel") == "alternate" and "hreflang" in link
    }
    declared = [
        link["hreflang"]
        for link in page.links
        if link.get("rel") == "alternate" and "hreflang" in link
    ]
    assert len(declared) == len(alternates), "an hreflang is repeated"
    assert "x-default" in alternates
    assert len(alternates) == len(settings.LANGUAGES) + 1
    for code, href in alternates.items():
        assert code == "x-default" or valid_language_tag(code), code
        assert _absolute(href), href
        assert urlsplit(href).path == path
    # crawlable-anchors and link-text
    for attrs, text in page.anchors:
        href = attrs.get("href")
        assert href is not None, ("an <a> without href", text)
        assert href.strip(), text
        assert not href.strip().lower().startswith("javascript:"), href
        assert text.lower().strip(" .…") not in GENERIC_LINK_TEXTS, (href, text)
    # image-alt (Lighthouse puts it in accessibility; cheap to hold here too)
    for image in page.images:
        assert "alt" in image, image
    # structured-data: every block parses and is valid
    for block in page.json_ld:
        validate_json_ld(json.loads(block))
    return page


def json_ld_of(page: Page, kind: str) -> list[dict]:
    return [
        data
        for data in (json.loads(block) for block in page.json_ld)
        if data.get("@type") == kind
    ]


# --- Structured data ------------------------------------------------------------


def validate_json_ld(data: dict) -> None:
    assert data.get("@context") in ("https://schema.org", "https://schema.org/")
    _validate(data)


def _validate(node: dict) -> None:
    kind = node.get("@type")
    assert isinstance(kind, str), node
    assert kind, node
    check = _CHECKS.get(kind)
    if check is not None:
        check(node)


def _text(node: dict, key: str) -> str:
    value = node.get(key)
    assert isinstance(value, str), (key, node)
    assert value.strip(), (key, node)
    return value


def _url(node: dict, key: str) -> str:
    value = _text(node, key)
    assert _absolute(value), (key, value)
    return value


def _service(node: dict) -> None:
    _text(node, "name")
    _url(node, "url")
    provider = node["provider"]
    assert provider["@type"] in ("LocalBusiness", "Person", "Organization")
    _text(provider, "name")
    _validate(node["areaServed"])
    if "offers" in node:
        _offer(node["offers"])
    if "aggregateRating" in node:
        _aggregate_rating(node["aggregateRating"])


def _offer(node: dict) -> None:
    assert node["@type"] == "Offer"
    try:
        price = Decimal(node["price"])
    except (InvalidOperation, TypeError) as error:
        raise AssertionError(f"price {node.get('price')!r}") from error
    assert price >= 0
    assert node["priceCurrency"] in known_currencies()


def _local_business(node: dict) -> None:
    _text(node, "name")
    _url(node, "url")
    # Google requires an address; a service-area business without a served
    # city gives its area instead (its base is private).
    if "address" in node:
        assert node["address"]["@type"] == "PostalAddress"
        _text(node["address"], "addressLocality")
    else:
        _validate(node["areaServed"])
    if "aggregateRating" in node:
        _aggregate_rating(node["aggregateRating"])


def _aggregate_rating(node: dict) -> None:
    assert node["@type"] == "AggregateRating"
    value = node["ratingValue"]
    best = node.get("bestRating", 5)
    worst = node.get("worstRating", 1)
    assert isinstance(value, int | float), node
    assert worst <= value <= best, node
    count = node.get("reviewCount", node.get("ratingCount"))
    assert isinstance(count, int), node
    assert count > 0, node


def _list_items(node: dict, link_key: str) -> None:
    items = node["itemListElement"]
    assert items, node
    for position, item in enumerate(items, start=1):
        assert item["@type"] == "ListItem"
        assert item["position"] == position
        _text(item, "name")
        _url(item, link_key)


def _city(node: dict) -> None:
    _text(node, "name")


def _geo_circle(node: dict) -> None:
    assert node["geoMidpoint"]["@type"] == "GeoCoordinates"
    assert Decimal(node["geoRadius"]) > 0


_CHECKS = {
    "Service": _service,
    "LocalBusiness": _local_business,
    "AggregateRating": _aggregate_rating,
    "BreadcrumbList": lambda node: _list_items(node, "item"),
    "ItemList": lambda node: _list_items(node, "url"),
    "City": _city,
    "GeoCircle": _geo_circle,
}
