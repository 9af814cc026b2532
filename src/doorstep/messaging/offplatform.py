"""Requests to pay or deal off the platform, found without any contact detail.

"Pay me by Alipay directly", "直接转账给我", "cancel on the app and I'll come
anyway", "let's skip the fee": nothing in them can be masked, yet each one asks
the other party to leave the escrow, the reviews and the dispute process behind.
Such a message is still delivered (people say odd things in normal talk and a
silent block would confuse them); the sender is warned and ops get a flag.

The words that matter are in English and Chinese. Traditional Chinese is turned
into Simplified with OpenCC (already used by search) so each Chinese rule is
written once. A rule is one of two kinds:

* **strong**: the words are the request itself ("skip the fee", "不走平台",
  "私下交易", "cancel … come anyway") and count wherever they appear;
* **weak**: money going to "me" or by a channel that is never ours (Venmo,
  Zelle, PayPal, "转给我", "直接微信付") counts only when the message does not
  also say the payment goes through the app ("I paid by Alipay through the
  app", "平台上可以微信付款吗").

Measured on the labelled corpus ``tests/masking_corpus.jsonl`` (records with
``"offplatform": true``) together with the contact-detail masking; change a
rule here only with the corpus test green.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _normalise(text: str) -> str:
    chars = []
    for char in text:
        if "\uff01" <= char <= "\uff5e":  # full-width ASCII
            char = chr(ord(char) - 0xFEE0)
        chars.append(char)
    normal = "".join(chars).lower().replace("’", "'").replace("‘", "'")
    return _to_simplified().convert(normal)


_APP = r"(?:app|platform|site|website|doorstep)"
_EXTERNAL = (
    r"(?:venmo|zelle|paypal|cash ?app|e-?transfer|interac|western union|wire transfer)"
)
_CHANNEL = (
    rf"(?:{_EXTERNAL}|alipay|wechat(?: pay)?|bank(?: account)?|card|account|wallet)"
)

# The payment says it goes through us: weak signals are then ignored. A
# negation just before ("no need to pay through the app", "不要在平台付")
# cancels the reassurance.
_ON_PLATFORM = re.compile(
    rf"\b(?:through|via|in|on|using|use|inside|within)\s+(?:the\s+)?{_APP}\b"
    rf"|\b(?:app|platform|doorstep)\s+(?:accepts?|supports?|holds?)\b"
    r"|(?:通过|透过|经过|在|用|从)\s*(?:平台|app|软件|doorstep)"
    r"|平台(?:上|里|内|托管)"
)
_NEGATION_BEFORE = re.compile(
    r"(?:don't|do not|no need to|not|never|than|instead of|rather than|without"
    r"|skip|avoid|out of|outside|off|不|别|不要|不用|没必要|无需)\s*\S{0,12}\s*$"
)

_STRONG = {
    "skip_fee": (
        r"\b(?:skip|avoid|save|cut|dodge|bypass)\s+(?:the\s+|their\s+|on\s+the\s+)?"
        r"(?:(?:platform|app|booking|service|doorstep)\s+)?(?:fees?|commission|cut)\b"
        r"|\bcut out the middleman\b|\bwhy pay (?:their|the|a) (?:commission|fees?)\b"
    ),
    "leave_app": (
        rf"\b(?:skip|avoid|bypass|leave)\s+(?:out\s+)?the\s+{_APP}\b"
        rf"|\bkeep\s+(?:the\s+)?{_APP}\s+out\b"
        rf"|\b(?:off|outside(?:\s+of)?)\s+(?:the\s+)?(?:{_APP}|books)\b"
        rf"|\bwithout\s+(?:the\s+|using\s+the\s+|going\s+through\s+the\s+)?"
        rf"(?:{_APP}|booking)\b"
        r"|\bpay (?:me )?outside\b|\bunder the table\b"
        rf"|\binstead of (?:paying |booking )?(?:through|via|on|in) the {_APP}\b"
        rf"|\brather than (?:through|via|on|in) the {_APP}\b"
        rf"|\bthan through the {_APP}\b"
        rf"|\b(?:don't|do not|no need to|never)\s+(?:pay|book)\w*\s+"
        rf"(?:online|(?:through|via|on|in)\s+(?:the\s+)?{_APP})"
        r"|\b(?:no need for|don't need) the (?:booking|app|platform)\b"
        r"|\b(?:rebook|book|pay|deal|arrange|settle)\w*\b(?:\s+\w+){0,2}\s+privately\b"
    ),
    "cancel_come_anyway": (
        r"(?<!don't )(?<!do not )(?<!not )\b(?:cancel|decline|reject)\w*\b.{0,60}"
        r"(?:\b(?:come|show up|be there)\b(?:\s+\S+){0,3}\s+anyway\b"
        r"|\bstill (?:come|show up|be there)\b|\bcash\b|\bpay (?:you|me) direct)"
    ),
    "cash_aside": (
        r"\b(?:rest|remainder|balance|half|difference|extra)\b.{0,20}\bcash\b"
        r"|\bcash only\b|\bonly cash\b|\bcash (?:on the day|on arrival|in hand)\b"
        r"|\bcash when i (?:get|arrive)\b|\bpa(?:y|id) (?:you|me) (?:in )?cash\b"
        r"|\b(?:give me|i'll take|i take) cash\b|\bpay in cash instead\b"
    ),
    "fee_complaint": (
        rf"\b(?:{_APP}|they)\s+(?:takes?|charges?)\s+(?:too much|a (?:big )?(?:fee|cut)"
        r"|\d+ ?%|a commission)\b.{0,30}\b(?:let's|so|better|instead|pay me)\b"
        rf"|\b{_EXTERNAL}\b.{0, 20}\bbetter\b"
    ),
    "own_site": (
        r"\bmy (?:own )?(?:site|website|shop|store|page)\b.{0,50}"
        r"\b(?:cheaper|save|discount|less)\b"
    ),
    "zh_leave_platform": (
        r"(?:不|别|不要|不用|无需|没必要)\s*(?:走|通过|经过|透过|用|在)\s*(?:平台|app|软件)"
        r"|(?:绕过|绕开|跳过|避开)\s*平台|平台外|线下(?:交易|付|支付|结)"
        r"|私下(?:交易|付|给|约|结|转|收|下单|成交|谈)|自己结|不用下单|别下单|不下单"
        r"|(?:走|用)平台(?:要|会)?(?:扣钱|抽成|扣费|收费)|平台那边不用管"
    ),
    "zh_save_fee": (
        r"(?:免|省|省掉|省去|不收|不用付)(?:平台的?)?(?:服务费|手续费|佣金|抽成|平台费)"
    ),
    "zh_cash": (r"现金(?:给我|结算|结账|交易|付我)|(?:付|收|给)(?:我)?现金"),
    "zh_cancel_come_anyway": (
        r"取消.{0,15}(?:照样|还是|照常|一样|依然)会?(?:过来|过去|来|去|上门)"
        r"|(?:拒单|拒绝订单|拒绝预约).{0,15}(?:现金|直接|私下)"
    ),
    "zh_own_site": r"我的?(?:网站|网店|店铺|小程序).{0,25}(?:便宜|优惠|打折|省)",
}

_WEAK = {
    "pay_me": (
        r"\b(?:pay|paid|transfer|send)\w*\s+(?:it\s+|the money\s+)?(?:to\s+)?me\b"
        rf"|\b(?:{_EXTERNAL}|wechat transfer|alipay transfer|bank transfer)\s+me\b"
        rf"|\bto my (?:{_CHANNEL})\b|\btransfer\w*\b.{{0,20}}\bto me\b"
        r"|\bdirect(?:ly)? to me\b"
    ),
    "external_channel": rf"\b{_EXTERNAL}\b",
    "zh_pay_me": (
        r"(?:转账|转帐|转|付|打款|打钱|汇款|汇|结)(?:给)?我(?![妈爸先老朋家的同室儿女哥姐弟妹们])"
        r"|(?:打|转|汇|汇款|转账|转帐)(?:到|进)我的?"
        r"|给我(?:转账|转帐|转钱|打钱|打款|汇款)|打我(?:卡|账户|帐户)|(?:扫|用)我的?收款码|(?:发|给)(?:个|我)?红包"
        r"|直接(?:用)?(?:微信|支付宝|现金|转账|转帐|银行|街口|line ?pay)"
        r"|钱.{0,3}直接给我|直接给我(?:吧|就行|就好)?\s*[。！!]?\s*$"
    ),
}

_STRONG_RULES = {name: re.compile(rule) for name, rule in _STRONG.items()}
_WEAK_RULES = {name: re.compile(rule) for name, rule in _WEAK.items()}


@dataclass(frozen=True)
class OffPlatformResult:
    rules: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.rules)


def _says_on_platform(normal: str) -> bool:
    for match in _ON_PLATFORM.finditer(normal):
        if not _NEGATION_BEFORE.search(
            normal[max(0, match.start() - 24) : match.start()]
        ):
            return True
    return False


def find_off_platform_request(text: str) -> OffPlatformResult:
    """Which rules say ``text`` asks to pay or deal off the platform (none:
    it does not)."""
    normal = _normalise(text or "")
    rules = [name for name, rule in _STRONG_RULES.items() if rule.search(normal)]
    if not rules and not _says_on_platform(normal):
        rules = [name for name, rule in _WEAK_RULES.items() if rule.search(normal)]
    return OffPlatformResult(tuple(rules))
