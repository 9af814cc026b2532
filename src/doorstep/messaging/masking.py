"""Contact details in messages, found and hidden before a deal is confirmed.

Until a provider accepts an order, a phone number, an e-mail address, a messaging
handle (WeChat, WhatsApp, Line, Telegram, QQ, …) or a link in a message would let
the two people finish the deal off the platform, where neither is protected (no
escrow, no reviews, no dispute). ``mask_contact_details`` hides them.

People who want to get around a filter write numbers as Chinese numerals
(一三八, 壹叁捌), in full-width digits (１３８), spaced or dotted out
(1 3 8 - 0 0 1 3), and e-mail addresses as "name at gmail dot com". So the text is
first *normalised* one character to one character — full-width forms to ASCII,
Chinese numerals to digits, lower case — which keeps every position in the
normalised text equal to the same position in the original; spans found in the
normalised text are then hidden in the original.

What must *not* be hidden matters as much: prices (¥350, 350元, $120/hour), dates
and times (3月5日 14:30, 2026-11-26), addresses with house numbers (南京路88号),
quantities (3小时) and our own ids (``ord_…``). Those are recognised first and
"protected": a digit inside one never counts towards a phone number.

The corpus in ``tests/masking_corpus.jsonl`` measures both sides (recall and
precision); change a rule here only with the corpus test green.
"""

import re
from dataclasses import dataclass, field

MASK = "•••"

PHONE = "phone"
EMAIL = "email"
HANDLE = "handle"
URL = "url"

# A phone number has at least this many digits (Chinese postcodes have 6, mobile
# numbers 11, landlines 7–8 plus an area code).
MIN_PHONE_DIGITS = 7

_CHINESE_DIGITS = {
    "零": "0", "〇": "0", "○": "0",
    "一": "1", "壹": "1", "幺": "1",
    "二": "2", "贰": "2", "貳": "2", "两": "2", "兩": "2",
    "三": "3", "叁": "3", "參": "3", "叄": "3",
    "四": "4", "肆": "4",
    "五": "5", "伍": "5",
    "六": "6", "陆": "6", "陸": "6",
    "七": "7", "柒": "7",
    "八": "8", "捌": "8",
    "九": "9", "玖": "9",
}  # fmt: skip
_OTHER_FORMS = {
    "\u3000": " ",  # ideographic space
    "。": ".",
    "－": "-",
    "—": "-",
    "–": "-",
    "・": "·",
    "﹫": "@",
}


def _normalise_char(char: str) -> str:
    if "\uff01" <= char <= "\uff5e":  # full-width ASCII: ０-９, Ａ-Ｚ, ＠, ．…
        return chr(ord(char) - 0xFEE0).lower()
    if char in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[char]
    if char in _OTHER_FORMS:
        return _OTHER_FORMS[char]
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def normalise(text: str) -> str:
    """``text`` with the same length, in a form the patterns below can read."""
    return "".join(_normalise_char(char) for char in text)


# --- What is safe: prices, dates, times, our ids ------------------------------------

_CURRENCY_BEFORE = r"(?:¥|\$|€|£|rmb|cny|usd|hkd|twd|nt\$|hk\$|us\$)"
_CURRENCY_AFTER = (
    r"(?:元|块|塊|圆|圓|円|rmb|yuan|dollars?|bucks|euros?|yen|won|vnd|jpy|krw|hkd|usd"
    r"|cny|twd|/h\b|/hr|/hour"
    r"|每小时|每小時|一小时|一小時|/次|/人|/平|/㎡)"
)
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_PROTECTED = re.compile(
    "|".join(
        [
            rf"{_CURRENCY_BEFORE}\s?{_NUMBER}(?:\s?(?:-|~|to|到|至)\s?{_NUMBER})?",
            rf"{_NUMBER}(?:\s?(?:-|~|to|到|至)\s?{_NUMBER})?\s?{_CURRENCY_AFTER}",
            r"\b(?:19|20)\d\d\s?[-/.年]\s?\d{1,2}\s?[-/.月]\s?\d{1,2}",  # 2026-11-26
            r"\b\d{1,2}/\d{1,2}/(?:19|20)?\d\d\b",  # 26/11/2026
            r"\b\d{1,2}\s?[:：]\s?\d{2}(?::\d{2})?",  # 14:30
            r"\b(?:19|20)\d\d\s?(?:-|~|to|到|至)\s?(?:19|20)\d\d\b",  # 2019-2024
            r"\b(?:ord|lst|cnv|msg|usr|pay|pyt)_[a-z0-9]{16}\b",  # our public ids
            r"\b\d{1,3}(?:,\d{3}){2,}\b",  # 12,345,678
            r"(?<![\d.])\d+\.\d{1,2}(?![\d.\-])",  # 2.5 (metres, hours)
        ]
    )
)

# --- What is a contact detail -------------------------------------------------------

_SEPARATOR = r"[\s\-._·/\\()（）+~,*]"
_PHONE_RUN = re.compile(rf"\+?\d(?:{_SEPARATOR}{{0,3}}\d)+")

_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d)"
_WORD_NUMBER = re.compile(rf"\b{_DIGIT_WORD}(?:[\s,\-]+{_DIGIT_WORD}){{6,}}\b")

_TLD = (
    r"(?:com|net|org|cn|io|co|me|ly|hk|tw|mo|sg|jp|uk|us|info|app|xyz|top|site"
    r"|link|cc|tv|biz|edu|gov|online|shop|store|page|dev)"
)
_MAIL_HOSTS = (
    r"(?:gmail|qq|163|126|outlook|hotmail|yahoo|icloud|foxmail|sina|sohu|aliyun"
    r"|proton|protonmail|live|msn|yeah)"
)
_AT = r"(?:\s*@\s*|\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+|\s*艾特\s*|\s*圈a\s*)"
_DOT = r"(?:\s*\.\s*|\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+|\s*点\s*|\s*點\s*)"
_LOCAL = r"[a-z0-9][a-z0-9._%+\-]*"
_EMAIL = re.compile(
    "|".join(
        [
            rf"{_LOCAL}\s*@\s*[a-z0-9\-]+(?:\s*\.\s*[a-z0-9\-]+)*\s*\.\s*[a-z]{{2,}}",
            rf"{_LOCAL}{_AT}[a-z0-9\-]+(?:{_DOT}[a-z0-9\-]+)*{_DOT}{_TLD}\b",
            rf"{_LOCAL}{_AT}{_MAIL_HOSTS}\b",
        ]
    )
)

_URL = re.compile(
    "|".join(
        [
            r"\b(?:https?|ftp)://\S+",
            r"\bwww\s*\.\s*[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\S*",
            rf"\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.{_TLD}\b(?:/\S*)?",
            rf"\b[a-z0-9][a-z0-9\-]{{2,}}(?:\s+dot\s+|\s*点\s*|\s*點\s*){_TLD}\b",
        ]
    )
)

# Apps whose name is also an everyday word ("line up", "the signal", "wa") count
# only with a clear "id:" or an id that looks like one.
_STRONG_APPS = (
    r"wechat|we\s?chat|weixin|wei\s?xin|微信|威信|薇信|v信|vx|wx|whats\s?app|what'?s\s?app"
    r"|telegram|电报|電報|纸飞机|紙飛機|qq|扣扣|企鹅|企鵝|skype|kakao\s?talk|kakao|viber"
    r"|instagram|insta|facebook|messenger|脸书|臉書|小红书|小紅書|抖音|绿泡泡|綠泡泡"
    r"|gmail|hotmail|e-?mail|邮箱|郵箱|电邮|電郵|信箱"
)
_WEAK_APPS = r"line|賴|tg|wa|ig|fb|signal|飞机|飛機|mail|加v|\+v"
_CONNECTOR = (
    r"(?:\s*(?:id|号码|號碼|号|號|账号|帳號|账户|帳戶|帐号"
    r"|名|是|为|為|:|=|：|-|>|→|#)\s*)"
)
_WEAK_CONNECTOR = (
    r"(?:\s*(?:is|me|at|on|to|here|my|username|user name|handle|,|上的|上|里|裡"
    r"|用户名|用戶名|它|我|的|加|搜|search|add)\s*)"
)
_ID = r"@?[a-z0-9][a-z0-9_.\-]{3,29}"
_HANDLE = re.compile(
    rf"(?<![a-z])(?P<app>{_STRONG_APPS}|{_WEAK_APPS})(?![a-z])"
    rf"(?P<link>(?:{_CONNECTOR}|{_WEAK_CONNECTOR}){{0,4}}|\s*)"
    rf"(?P<id>{_ID})"
)
_APP = re.compile(rf"(?:{_STRONG_APPS}|{_WEAK_APPS})")
_HANDLE_BEFORE_APP = re.compile(
    rf"(?P<id>{_ID})\s*(?:is my|is our|是我的|是我|是|=|就是|就是我的)\s*"
    rf"(?:{_STRONG_APPS})"
)
_AT_HANDLE = re.compile(r"(?<![a-z0-9._%+\-])@[a-z][a-z0-9_.]{3,29}\b")

# Words that follow an app's name in ordinary talk ("WeChat Pay", "Line up").
_NOT_AN_ID = frozenset(
    {
        "pay", "payment", "payments", "wallet", "group", "groups", "account", "only",
        "please", "works", "work", "call", "calls", "video", "chat", "message",
        "messages", "first", "fine", "okay", "later", "transfer", "today", "here",
        "there", "this", "that", "with", "from", "your", "them", "also", "instead",
        "busy", "broken", "down", "again", "before", "after", "up", "about", "when",
        "the", "and", "for", "but", "not", "yes", "sure", "thanks", "thank", "same",
        "moments", "stories", "story", "post", "page", "link", "address", "number",
        "mini", "program", "app", "apps", "official", "support", "team", "order",
        "orders", "booking", "platform", "doorstep", "inbox", "notifications",
        "scan", "code", "accept", "accepted", "receipt", "invoice", "alipay",
    }
)  # fmt: skip


@dataclass(frozen=True)
class MaskResult:
    text: str
    kinds: list[str] = field(default_factory=list)

    @property
    def masked(self) -> bool:
        return bool(self.kinds)


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _PROTECTED.finditer(text)]


def _blank(text: str, spans: list[tuple[int, int]], filler: str = "#") -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = filler * (end - start)
    return "".join(chars)


def _looks_like_an_id(identifier: str, *, strong_link: bool, weak_app: bool) -> bool:
    bare = identifier.lstrip("@").rstrip("._-")
    if len(bare) < 4 or bare in _NOT_AN_ID:
        return False
    has_marks = any(char.isdigit() or char in "_.-" for char in bare)
    if weak_app:
        return strong_link or identifier.startswith("@") or has_marks
    return strong_link or has_marks or identifier.startswith("@")


def find_contact_details(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of every contact detail in ``text``, in order."""
    normal = normalise(text)
    found: list[tuple[int, int, str]] = []

    for match in _EMAIL.finditer(normal):
        found.append((*match.span(), EMAIL))
    for match in _URL.finditer(normal):
        found.append((*match.span(), URL))

    position = 0
    while match := _HANDLE.search(normal, position):
        # "Facebook messenger: anna" names two apps: when what follows the first
        # is not an id, look again from just after it.
        position = match.end("app")
        app, link, identifier = match.group("app", "link", "id")
        strong_link = bool(re.search(_CONNECTOR, link)) and link.strip() != "-"
        weak_app = re.fullmatch(_WEAK_APPS, app) is not None
        if _APP.fullmatch(identifier) or not _looks_like_an_id(
            identifier, strong_link=strong_link, weak_app=weak_app
        ):
            continue
        found.append((*match.span("id"), HANDLE))
        position = match.end()
    for match in _HANDLE_BEFORE_APP.finditer(normal):
        identifier = match.group("id")
        if _looks_like_an_id(identifier, strong_link=True, weak_app=False):
            found.append((*match.span("id"), HANDLE))
    for match in _AT_HANDLE.finditer(normal):
        found.append((*match.span(), HANDLE))

    # Digits inside a price, a date or one of our ids never make a phone number.
    unprotected = _blank(normal, _protected_spans(normal))
    for match in _PHONE_RUN.finditer(unprotected):
        digits = sum(char.isdigit() for char in match.group())
        if digits >= MIN_PHONE_DIGITS:
            found.append((*match.span(), PHONE))
    for match in _WORD_NUMBER.finditer(unprotected):
        found.append((*match.span(), PHONE))

    return sorted(found)


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, list[str]]]:
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, kind in spans:
        if merged and start <= merged[-1][1]:
            last_start, last_end, kinds = merged[-1]
            if kind not in kinds:
                kinds.append(kind)
            merged[-1] = (last_start, max(last_end, end), kinds)
        else:
            merged.append((start, end, [kind]))
    return merged


def mask_contact_details(text: str) -> MaskResult:
    """``text`` with every contact detail replaced by ``MASK``, and which kinds
    of detail were hidden (empty when nothing was)."""
    spans = _merge(find_contact_details(text))
    if not spans:
        return MaskResult(text=text)
    pieces: list[str] = []
    position = 0
    kinds: list[str] = []
    for start, end, span_kinds in spans:
        pieces.append(text[position:start])
        pieces.append(MASK)
        position = end
        kinds.extend(kind for kind in span_kinds if kind not in kinds)
    pieces.append(text[position:])
    return MaskResult(text="".join(pieces), kinds=kinds)
