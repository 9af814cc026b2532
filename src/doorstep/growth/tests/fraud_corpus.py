"""A labelled corpus of referrals, fraudulent and honest, for ``growth.fraud``.

Written before the rules, by the engineer who then wrote them, so the figures
measured on it are optimistic: every pattern here was in mind when the weights
were chosen. It is adversarial on purpose: honest referrals that look like
fraud (a wife and her husband on one address and one Wi-Fi, colleagues on one
office network, a dorm, a carrier's NAT, an influencer with many sign-ups, a
second-hand phone) and fraud that hides (fresh devices but the same card, farms
of new phone numbers behind one device or one address, sign-ups dripped below
the velocity limit, A->B->A loops, a provider serving the tiny first orders of
customers they invented, networks rotated through a VPN).

Identifiers are hashed through ``device()``, ``phone()``, ``card()``,
``address()`` and ``network()`` so each case reads with the raw values the
hashes stand for. Every reward falls due at ``NOW``.

``family`` groups cases by what they look like, not by their label, so the
figures per family set the honest lookalikes against the fraud they resemble.
"""

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count

from doorstep.growth.fraud import Party, ReferralCase

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FRAUD = "fraud"
HONEST = "honest"

_KEY = b"doorstep-fraud-corpus"
_user_ids = count(10_000)
# Providers who serve first orders and are nobody else in the case.
_stranger_ids = count(900_000)


@dataclass(frozen=True)
class LabelledCase:
    id: str
    label: str  # FRAUD or HONEST
    family: str
    description: str
    case: ReferralCase


def _hash(kind: str, value: str) -> str:
    return hmac.new(_KEY, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:24]


def device(value: str) -> str:
    return _hash("device", value)


def phone(value: str) -> str:
    return _hash("phone", value)


def card(value: str) -> str:
    return _hash("card", value)


def address(value: str) -> str:
    return _hash("address", value)


def network(value: str) -> str:
    return _hash("network", value)


def ago(*, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours, minutes=minutes)


def person(
    *,
    joined: datetime,
    devices: Iterable[str] = (),
    phones: Iterable[str] = (),
    cards: Iterable[str] = (),
    addresses: Iterable[str] = (),
    networks: Iterable[str] = (),
    carrier: Iterable[str] = (),
    email: str = "",
    provider: bool = False,
    seen: dict[str, datetime] | None = None,
    user_id: int | None = None,
) -> Party:
    """A party from raw values; ``carrier`` networks are added to ``networks``
    and marked as a carrier's; ``seen`` maps a hash to when it was last seen."""
    carrier_hashes = frozenset(network(n) for n in carrier)
    return Party(
        user_id=next(_user_ids) if user_id is None else user_id,
        joined_at=joined,
        is_provider=provider,
        devices=frozenset(device(d) for d in devices),
        phones=frozenset(phone(p) for p in phones),
        cards=frozenset(card(c) for c in cards),
        addresses=frozenset(address(a) for a in addresses),
        networks=frozenset(network(n) for n in networks) | carrier_hashes,
        carrier_networks=carrier_hashes,
        email_domain=email.rpartition("@")[2].lower(),
        last_seen=tuple(sorted((seen or {}).items())),
    )


def referral(
    inviter: Party,
    invitee: Party,
    *,
    order_after: timedelta | None = timedelta(days=2),
    amount: int = 30_000,
    typical: int = 30_000,
    served_by: int | None = None,
    signups: Iterable[datetime] | None = None,
    others: Iterable[Party] = (),
    referred: Iterable[int] = (),
    customer: int | None = None,
) -> ReferralCase:
    """The invitee signed up when it joined; its first order came
    ``order_after`` later (None: no order yet), served by a stranger unless
    ``served_by`` says who."""
    signed_up = invitee.joined_at
    return ReferralCase(
        inviter=inviter,
        invitee=invitee,
        signed_up_at=signed_up,
        first_order_at=None if order_after is None else signed_up + order_after,
        first_order_amount=0 if order_after is None else amount,
        first_order_provider_user_id=(
            None
            if order_after is None
            else (next(_stranger_ids) if served_by is None else served_by)
        ),
        typical_order_amount=typical,
        inviter_recent_signups=tuple(
            sorted((signed_up,) if signups is None else signups)
        ),
        other_invitees=tuple(others),
        invitee_inviter_ids=frozenset(referred),
        first_order_customer_user_id=customer,
    )


def spread(n: int, *, first: datetime, every: timedelta) -> list[datetime]:
    return [first + i * every for i in range(n)]


CASES: list[LabelledCase] = []


def case(id: str, label: str, family: str, description: str, c: ReferralCase) -> None:
    CASES.append(LabelledCase(id, label, family, description, c))


# ---------------------------------------------------------------------------
# Households: one roof and one Wi-Fi, honest and not.
# ---------------------------------------------------------------------------

_home_sh = "上海市徐汇区漕溪北路88号 12楼1201室"
case(
    "household-wife-husband-shanghai",
    HONEST,
    "household",
    "王芳 refers her husband 张伟: same flat, same home broadband, own phones, "
    "own cards; he books a deep clean three days later",
    referral(
        person(
            joined=ago(days=400),
            devices=["iphone-wangfang"],
            phones=["+8613811110001"],
            cards=["cmb-visa-wangfang"],
            addresses=[_home_sh],
            networks=["116.228.10.0/24"],
            email="wangfang@qq.com",
        ),
        person(
            joined=ago(days=5),
            devices=["huawei-zhangwei"],
            phones=["+8613911110002"],
            cards=["icbc-unionpay-zhangwei"],
            addresses=[_home_sh],
            networks=["116.228.10.0/24"],
            email="zhangwei@163.com",
        ),
        order_after=timedelta(days=3),
        amount=42_000,
        typical=38_000,
    ),
)

_home_hk = "香港九龍旺角彌敦道600號 8樓B室"
case(
    "household-mother-daughter-hong-kong",
    HONEST,
    "household",
    "陳太 in Mong Kok refers her adult daughter who lives with her; same flat "
    "and Wi-Fi; the daughter books maths tutoring two days later",
    referral(
        person(
            joined=ago(days=700),
            devices=["ipad-chan-tai"],
            phones=["+85291110001"],
            cards=["hsbc-visa-chan-tai"],
            addresses=[_home_hk],
            networks=["203.198.20.0/24"],
            email="chan.tai@netvigator.com",
        ),
        person(
            joined=ago(days=4),
            devices=["iphone-chan-ka-yan"],
            phones=["+85261110002"],
            cards=["boc-hk-mastercard-ka-yan"],
            addresses=[_home_hk],
            networks=["203.198.20.0/24", "42.200.13.0/24"],
            carrier=["42.200.13.0/24"],
            email="kayan.chan@gmail.com",
        ),
        amount=48_000,
        typical=45_000,
    ),
)

_home_ldn = "14 Elm Road, Flat 2, London E8 1AB"
case(
    "household-couple-urgent-plumber-london",
    HONEST,
    "household",
    "Emma refers her partner Oliver while the sink floods: same flat and Wi-Fi; "
    "he books a plumber twelve minutes after signing up",
    referral(
        person(
            joined=ago(days=300),
            devices=["pixel-emma"],
            phones=["+447700900101"],
            cards=["monzo-emma"],
            addresses=[_home_ldn],
            networks=["81.2.69.0/24"],
            email="emma.clarke@gmail.com",
        ),
        person(
            joined=ago(days=2),
            devices=["iphone-oliver"],
            phones=["+447700900102"],
            cards=["barclays-oliver"],
            addresses=[_home_ldn],
            networks=["81.2.69.0/24"],
            email="oliver.patel@outlook.com",
        ),
        order_after=timedelta(minutes=12),
        amount=9_500,
        typical=9_000,
    ),
)

_flat_mcr = "27 Oxford Road, Flat 5, Manchester M1 5QA"
case(
    "household-flatmates-manchester",
    HONEST,
    "household",
    "Flatmates in Manchester: shared address and broadband, nothing else; "
    "an end-of-tenancy clean a week later",
    referral(
        person(
            joined=ago(days=150),
            devices=["galaxy-sam"],
            phones=["+447700900201"],
            cards=["starling-sam"],
            addresses=[_flat_mcr],
            networks=["86.14.22.0/24"],
            email="sam.okafor@yahoo.co.uk",
        ),
        person(
            joined=ago(days=9),
            devices=["iphone-priya"],
            phones=["+447700900202"],
            cards=["hsbc-uk-priya"],
            addresses=[_flat_mcr],
            networks=["86.14.22.0/24"],
            email="priya.shah@gmail.com",
        ),
        order_after=timedelta(days=7),
        amount=16_000,
        typical=15_000,
    ),
)

_home_sz = "深圳市南山区科技园南路 15号 3栋 2104"
_sz_mum = person(
    joined=ago(days=500),
    devices=["oppo-liu-mum"],
    phones=["+8613600000301"],
    cards=["ccb-liu-mum"],
    addresses=[_home_sz],
    networks=["183.14.30.0/24"],
    email="liuxiuying@163.com",
)
_sz_family = [
    person(
        joined=ago(days=d),
        devices=[f"phone-liu-{who}"],
        phones=[f"+86136000003{i:02d}"],
        cards=[f"card-liu-{who}"],
        addresses=[_home_sz],
        networks=["183.14.30.0/24"],
        email=f"liu{who}@qq.com",
    )
    for i, (who, d) in enumerate([("dad", 20), ("son", 12), ("daughter", 6)], 2)
]
case(
    "household-family-of-four-shenzhen",
    HONEST,
    "farm",
    "刘 mother in Shenzhen refers her husband, son and daughter, all at home on "
    "one broadband; the daughter's reward is the one falling due",
    referral(
        _sz_mum,
        _sz_family[2],
        others=_sz_family[:2],
        signups=[p.joined_at for p in _sz_family],
        amount=26_000,
        typical=30_000,
    ),
)

_home_bj = "北京市朝阳区望京西园 4区 402号楼 1单元 603"
case(
    "household-fake-account-tiny-instant-order",
    FRAUD,
    "household",
    "A second account made at home (new SIM, new phone, a new virtual card) "
    "for the welcome reward; a 15-yuan order four minutes after sign-up",
    referral(
        person(
            joined=ago(days=200),
            devices=["xiaomi-main"],
            phones=["+8615000000401"],
            cards=["abc-main"],
            addresses=[_home_bj],
            networks=["123.118.40.0/24"],
            email="yangzhiqiang@qq.com",
        ),
        person(
            joined=ago(days=1),
            devices=["redmi-second"],
            phones=["+8617000000402"],
            cards=["alipay-virtual-402"],
            addresses=[_home_bj],
            networks=["123.118.40.0/24"],
            email="3318840021@qq.com",
        ),
        order_after=timedelta(minutes=4),
        amount=1_500,
        typical=20_000,
    ),
)

case(
    "household-fake-account-normal-order",
    FRAUD,
    "household",
    "A second account at home with fresh phone, device and card, and a real "
    "full-price cleaning order a week later: looks exactly like a spouse",
    referral(
        person(
            joined=ago(days=260),
            devices=["iphone-zhou"],
            phones=["+8618600000501"],
            cards=["cmb-zhou"],
            addresses=["上海市浦东新区张杨路 1000弄 7号 502室"],
            networks=["180.168.50.0/24"],
            email="zhoujie@163.com",
        ),
        person(
            joined=ago(days=10),
            devices=["ipad-zhou-new"],
            phones=["+8617100000502"],
            cards=["spdb-zhou-new"],
            addresses=["上海市浦东新区张杨路 1000弄 7号 502室"],
            networks=["180.168.50.0/24"],
            email="zhou.j.2026@126.com",
        ),
        order_after=timedelta(days=7),
        amount=35_000,
        typical=32_000,
    ),
)

case(
    "household-shared-laptop-browser",
    HONEST,
    "self_referral",
    "A husband signed in once on his wife's laptop browser (same device "
    "cookie), same flat and Wi-Fi, own phone and card; a normal order",
    referral(
        person(
            joined=ago(days=380),
            devices=["macbook-browser-lucy", "iphone-lucy"],
            phones=["+447700900601"],
            cards=["amex-lucy"],
            addresses=["3 Mill Lane, Oxford OX1 2AB"],
            networks=["90.205.60.0/24"],
            email="lucy.morgan@icloud.com",
        ),
        person(
            joined=ago(days=6),
            devices=["macbook-browser-lucy", "android-tom"],
            phones=["+447700900602"],
            cards=["nationwide-tom"],
            addresses=["3 Mill Lane, Oxford OX1 2AB"],
            networks=["90.205.60.0/24"],
            email="tom.morgan@gmail.com",
        ),
        order_after=timedelta(days=4),
        amount=12_000,
        typical=11_000,
    ),
)

case(
    "household-joint-card",
    HONEST,
    "self_referral",
    "A retired couple in Kowloon Tong on one joint credit card (same "
    "fingerprint), same flat and Wi-Fi; he books a handyman",
    referral(
        person(
            joined=ago(days=250),
            devices=["ipad-mrs-ho"],
            phones=["+85292220001"],
            cards=["hang-seng-joint-ho"],
            addresses=["香港九龍塘律倫街 9號 2樓"],
            networks=["119.246.70.0/24"],
            email="ho.wai.ling@yahoo.com.hk",
        ),
        person(
            joined=ago(days=8),
            devices=["android-mr-ho"],
            phones=["+85292220002"],
            cards=["hang-seng-joint-ho"],
            addresses=["香港九龍塘律倫街 9號 2樓"],
            networks=["119.246.70.0/24"],
            email="ho.kwok.keung@yahoo.com.hk",
        ),
        order_after=timedelta(days=3),
        amount=60_000,
        typical=55_000,
    ),
)

# ---------------------------------------------------------------------------
# Self-referral: one person, two accounts.
# ---------------------------------------------------------------------------

case(
    "self-same-phone-and-card",
    FRAUD,
    "self_referral",
    "Second account on the same phone handset and paying with the same card; "
    "only the phone number is new",
    referral(
        person(
            joined=ago(days=120),
            devices=["vivo-x-801"],
            phones=["+8613700000801"],
            cards=["icbc-801"],
            networks=["58.246.80.0/24"],
            email="lixiaolong@qq.com",
        ),
        person(
            joined=ago(days=2),
            devices=["vivo-x-801"],
            phones=["+8617000000802"],
            cards=["icbc-801"],
            networks=["58.246.80.0/24"],
            email="lxl2026@qq.com",
        ),
        order_after=timedelta(hours=3),
        amount=8_000,
        typical=25_000,
    ),
)

case(
    "self-fresh-device-same-card",
    FRAUD,
    "self_referral",
    "Fresh second-hand phone, new SIM, new e-mail, mobile data only; the "
    "first order paid with the inviter's card",
    referral(
        person(
            joined=ago(days=90),
            devices=["iphone-901"],
            phones=["+8613800000901"],
            cards=["cmb-visa-901"],
            addresses=["上海市静安区南京西路 1266号"],
            networks=["101.230.90.0/24"],
            email="chenlei@163.com",
        ),
        person(
            joined=ago(days=3),
            devices=["oneplus-902"],
            phones=["+8617200000902"],
            cards=["cmb-visa-901"],
            addresses=["上海市闵行区七莘路 3009号"],
            networks=["223.104.5.0/24"],
            carrier=["223.104.5.0/24"],
            email="c.lei.backup@126.com",
        ),
        order_after=timedelta(days=1),
        amount=20_000,
        typical=22_000,
    ),
)

case(
    "self-vpn-rotated-same-card",
    FRAUD,
    "self_referral",
    "Networks rotated through a VPN (nine /24s in a week), emulator device, "
    "new number, but the inviter's card pays",
    referral(
        person(
            joined=ago(days=60),
            devices=["pixel-1001"],
            phones=["+447700901001"],
            cards=["revolut-1001"],
            networks=["82.12.100.0/24"],
            email="jake.b@gmail.com",
        ),
        person(
            joined=ago(days=2),
            devices=["emulator-bluestacks-1002"],
            phones=["+447700901002"],
            cards=["revolut-1001"],
            networks=[f"185.{i}.44.0/24" for i in range(200, 209)],
            email="jb.deals.2026@gmail.com",
        ),
        order_after=timedelta(hours=20),
        amount=7_000,
        typical=9_000,
    ),
)

case(
    "self-same-device-virtual-card",
    FRAUD,
    "self_referral",
    "Same handset (app device id unchanged), a 接码 SMS-platform number and a "
    "new virtual card; a normal order two days later",
    referral(
        person(
            joined=ago(days=45),
            devices=["huawei-p60-1101"],
            phones=["+8613500001101"],
            cards=["ccb-1101"],
            networks=["112.65.110.0/24"],
            email="wanghao@qq.com",
        ),
        person(
            joined=ago(days=4),
            devices=["huawei-p60-1101"],
            phones=["+8616500001102"],
            cards=["virtual-1102"],
            networks=["112.65.110.0/24"],
            email="2871100221@qq.com",
        ),
        amount=30_000,
        typical=30_000,
    ),
)

case(
    "self-reused-phone-number",
    FRAUD,
    "self_referral",
    "The inviter's own second SIM was on the inviter's account this month and "
    "is now the invitee's number; different device and card",
    referral(
        person(
            joined=ago(days=80),
            devices=["iphone-1201"],
            phones=["+8613900001201", "+8615900001202"],
            cards=["bocom-1201"],
            networks=["61.152.120.0/24"],
            email="sunli@163.com",
        ),
        person(
            joined=ago(days=3),
            devices=["xiaomi-1202"],
            phones=["+8615900001202"],
            cards=["alipay-1202"],
            networks=["117.136.12.0/24"],
            carrier=["117.136.12.0/24"],
            email="sunli2@163.com",
        ),
        amount=18_000,
        typical=24_000,
    ),
)

case(
    "self-same-card-and-address-vpn",
    FRAUD,
    "self_referral",
    "Second account for the same flat, card and address shared, networks all "
    "through a VPN provider",
    referral(
        person(
            joined=ago(days=140),
            devices=["iphone-1301"],
            phones=["+85290001301"],
            cards=["citi-hk-1301"],
            addresses=["香港港島太古城 海景花園 5座 12樓C"],
            networks=["218.102.130.0/24"],
            email="leung.m@gmail.com",
        ),
        person(
            joined=ago(days=5),
            devices=["android-1302"],
            phones=["+85260001302"],
            cards=["citi-hk-1301"],
            addresses=["香港港島太古城 海景花園 5座 12樓C"],
            networks=["104.28.13.0/24", "104.28.14.0/24"],
            email="ml.hk.2026@proton.me",
        ),
        amount=50_000,
        typical=52_000,
    ),
)

case(
    "self-own-device-card-seen-long-ago",
    FRAUD,
    "time",
    "The invitee pays with a card the inviter last used 200 days ago (an old "
    "card dug out to look unconnected); everything else fresh",
    referral(
        person(
            joined=ago(days=600),
            devices=["iphone-1401"],
            phones=["+8613300001401"],
            cards=["cmb-1401-old", "cmb-1401-new"],
            networks=["124.78.140.0/24"],
            email="gaoyan@qq.com",
            seen={card("cmb-1401-old"): ago(days=200)},
        ),
        person(
            joined=ago(days=2),
            devices=["redmi-1402"],
            phones=["+8617300001402"],
            cards=["cmb-1401-old"],
            networks=["223.104.14.0/24"],
            carrier=["223.104.14.0/24"],
            email="gy1402@163.com",
        ),
        order_after=timedelta(hours=6),
        amount=9_000,
        typical=26_000,
    ),
)

# ---------------------------------------------------------------------------
# Shared networks: offices, dorms, cafés, carriers, neighbours.
# ---------------------------------------------------------------------------

case(
    "network-office-colleague-lujiazui",
    HONEST,
    "shared_network",
    "A colleague in a Lujiazui tower refers another: same office /24, same "
    "company e-mail domain, different homes",
    referral(
        person(
            joined=ago(days=220),
            devices=["iphone-1501"],
            phones=["+8613600001501"],
            cards=["hsbc-cn-1501"],
            addresses=["上海市浦东新区东方路 800弄 3号 1101"],
            networks=["210.13.150.0/24", "116.231.15.0/24"],
            email="amy.xu@globalbank-sh.com",
        ),
        person(
            joined=ago(days=7),
            devices=["iphone-1502"],
            phones=["+8613600001502"],
            cards=["citic-1502"],
            addresses=["上海市长宁区天山路 600弄 2号 801"],
            networks=["210.13.150.0/24", "101.88.15.0/24"],
            email="kevin.zhu@globalbank-sh.com",
        ),
        amount=28_000,
        typical=30_000,
    ),
)

_office_net = "194.66.82.0/24"
_office_inviter = person(
    joined=ago(days=365),
    devices=["laptop-browser-1601"],
    phones=["+447700901601"],
    cards=["lloyds-1601"],
    addresses=["9 Cedar Close, Reading RG1 4AA"],
    networks=[_office_net, "92.40.16.0/24"],
    email="hannah.w@acme-consulting.co.uk",
)
_office_team = [
    person(
        joined=ago(days=d),
        devices=[f"device-colleague-{i}"],
        phones=[f"+4477009016{i:02d}"],
        cards=[f"card-colleague-{i}"],
        addresses=[f"{i} Station Road, Flat {i}, Reading RG{i} 1ZZ"],
        networks=[_office_net, f"86.{i}.16.0/24"],
        email=f"colleague{i}@acme-consulting.co.uk",
    )
    for i, d in zip(range(2, 8), [14, 13, 11, 10, 8, 6], strict=True)
]
case(
    "network-office-six-colleagues",
    HONEST,
    "farm",
    "Hannah shares her code in the office chat: six colleagues join over a "
    "week, all seen on the office network; the last one's reward is due",
    referral(
        _office_inviter,
        _office_team[-1],
        others=_office_team[:-1],
        signups=[p.joined_at for p in _office_team],
        amount=14_000,
        typical=15_000,
    ),
)

_dorm_net = "202.120.224.0/24"
_dorm_inviter = person(
    joined=ago(days=100),
    devices=["iphone-fudan-1"],
    phones=["+8618800001701"],
    cards=["alipay-huabei-1701"],
    addresses=["上海市杨浦区邯郸路 220号 复旦南区 12号楼 305室"],
    networks=[_dorm_net],
    email="21300001@fudan.edu.cn",
)
_dorm_mates = [
    person(
        joined=ago(days=d),
        devices=[f"phone-fudan-{i}"],
        phones=[f"+86188000017{i:02d}"],
        cards=[f"wechatpay-card-17{i:02d}"],
        addresses=[f"上海市杨浦区邯郸路 220号 复旦南区 12号楼 {room}室"],
        networks=[_dorm_net],
        email=f"2130000{i}@fudan.edu.cn",
    )
    for i, d, room in [
        (2, 20, "305"),
        (3, 18, "306"),
        (4, 15, "307"),
        (5, 12, "310"),
        (6, 9, "312"),
    ]
]
case(
    "network-student-dorm-fudan",
    HONEST,
    "farm",
    "A Fudan student refers five dorm-mates over two weeks: one campus "
    "network, one building (her room-mate shares her room), cheap orders",
    referral(
        _dorm_inviter,
        _dorm_mates[0],
        others=_dorm_mates[1:],
        signups=[p.joined_at for p in _dorm_mates],
        amount=8_000,
        typical=12_000,
    ),
)

case(
    "network-hku-roommates-trial-lesson",
    HONEST,
    "shared_network",
    "HKU room-mates: same hall room, campus Wi-Fi; the invitee books a "
    "30-minute trial lesson at a quarter of the usual price",
    referral(
        person(
            joined=ago(days=160),
            devices=["iphone-hku-1801"],
            phones=["+85251001801"],
            cards=["hsbc-student-1801"],
            addresses=["香港薄扶林道 Starr Hall 14樓 1406室"],
            networks=["147.8.180.0/24"],
            email="u3581801@connect.hku.hk",
        ),
        person(
            joined=ago(days=6),
            devices=["android-hku-1802"],
            phones=["+85251001802"],
            cards=["boc-student-1802"],
            addresses=["香港薄扶林道 Starr Hall 14樓 1406室"],
            networks=["147.8.180.0/24"],
            email="u3581802@connect.hku.hk",
        ),
        order_after=timedelta(days=1),
        amount=8_000,
        typical=32_000,
    ),
)

case(
    "network-carrier-nat-china-mobile",
    HONEST,
    "shared_network",
    "Two friends in Hangzhou only ever on China Mobile 4G: the same carrier "
    "NAT /24, shared by thousands of strangers",
    referral(
        person(
            joined=ago(days=210),
            devices=["honor-1901"],
            phones=["+8613900001901"],
            cards=["hzbank-1901"],
            addresses=["杭州市西湖区文三路 90号 2幢 401"],
            networks=["223.104.246.0/24"],
            carrier=["223.104.246.0/24"],
            email="xuming@qq.com",
        ),
        person(
            joined=ago(days=5),
            devices=["vivo-1902"],
            phones=["+8613900001902"],
            cards=["icbc-1902"],
            addresses=["杭州市拱墅区莫干山路 100号 5幢 1202"],
            networks=["223.104.246.0/24"],
            carrier=["223.104.246.0/24"],
            email="huangting@qq.com",
        ),
        amount=22_000,
        typical=20_000,
    ),
)

case(
    "network-carrier-nat-hong-kong-ipv6",
    HONEST,
    "shared_network",
    "Hong Kong friends on CSL mobile data, one IPv6 /48 of the carrier, both "
    "qq.com; the invitee orders an aircon clean same evening",
    referral(
        person(
            joined=ago(days=90),
            devices=["iphone-2001"],
            phones=["+85262002001"],
            cards=["dbs-hk-2001"],
            addresses=["香港新界沙田 第一城 32座 18樓H"],
            networks=["2402:7500:5a1::/48"],
            carrier=["2402:7500:5a1::/48"],
            email="458812001@qq.com",
        ),
        person(
            joined=ago(days=3),
            devices=["galaxy-2002"],
            phones=["+85262002002"],
            cards=["scb-hk-2002"],
            addresses=["香港新界荃灣 愉景新城 6座 9樓D"],
            networks=["2402:7500:5a1::/48"],
            carrier=["2402:7500:5a1::/48"],
            email="773302002@qq.com",
        ),
        order_after=timedelta(hours=5),
        amount=45_000,
        typical=48_000,
    ),
)

case(
    "network-cafe-wifi",
    HONEST,
    "shared_network",
    "Friends sign up over coffee on the café's Wi-Fi (not classified as "
    "public by the ASN lookup); nothing else shared",
    referral(
        person(
            joined=ago(days=75),
            devices=["iphone-2101"],
            phones=["+447700902101"],
            cards=["monzo-2101"],
            addresses=["41 Queen Street, Edinburgh EH2 3NH"],
            networks=["31.94.21.0/24", "212.56.21.0/24"],
            email="fiona.m@gmail.com",
        ),
        person(
            joined=ago(days=4),
            devices=["pixel-2102"],
            phones=["+447700902102"],
            cards=["santander-2102"],
            addresses=["7 Leith Walk, Flat 3F2, Edinburgh EH6 8LN"],
            networks=["212.56.21.0/24", "86.150.21.0/24"],
            email="callum.r@hotmail.co.uk",
        ),
        amount=11_000,
        typical=10_000,
    ),
)

case(
    "network-neighbour-same-building-isp",
    HONEST,
    "shared_network",
    "A neighbour two floors down: a different flat, but the building's "
    "broadband puts both in one /24",
    referral(
        person(
            joined=ago(days=330),
            devices=["huawei-2201"],
            phones=["+8613700002201"],
            cards=["cib-2201"],
            addresses=["上海市普陀区长寿路 500弄 3号 1601"],
            networks=["180.155.22.0/24"],
            email="tangmin@163.com",
        ),
        person(
            joined=ago(days=8),
            devices=["iphone-2202"],
            phones=["+8613700002202"],
            cards=["cmb-2202"],
            addresses=["上海市普陀区长寿路 500弄 3号 1402"],
            networks=["180.155.22.0/24"],
            email="zhaolei@126.com",
        ),
        amount=25_000,
        typical=25_000,
    ),
)

case(
    "network-neighbour-lends-wifi",
    HONEST,
    "shared_network",
    "An elderly neighbour in Sham Shui Po uses the inviter's Wi-Fi; her "
    "first order is a small repair the next morning",
    referral(
        person(
            joined=ago(days=280),
            devices=["android-2301"],
            phones=["+85293002301"],
            cards=["bea-2301"],
            addresses=["香港深水埗 南昌街 180號 5樓A"],
            networks=["14.0.230.0/24"],
            email="wong.chi.ming@hotmail.com",
        ),
        person(
            joined=ago(days=2),
            devices=["android-2302"],
            phones=["+85293002302"],
            cards=["octopus-linked-2302"],
            addresses=["香港深水埗 南昌街 180號 5樓B"],
            networks=["14.0.230.0/24"],
            email="",
        ),
        order_after=timedelta(hours=16),
        amount=18_000,
        typical=35_000,
    ),
)

case(
    "network-old-campus-network",
    HONEST,
    "time",
    "Old university friends: both were on the campus network, but the "
    "inviter last used it 14 months ago",
    referral(
        person(
            joined=ago(days=900),
            devices=["iphone-2401"],
            phones=["+8613100002401"],
            cards=["cmb-2401"],
            addresses=["南京市鼓楼区汉口路 22号 5舍 201"],
            networks=["202.119.24.0/24", "180.110.24.0/24"],
            email="qianyu@foxmail.com",
            seen={network("202.119.24.0/24"): ago(days=420)},
        ),
        person(
            joined=ago(days=6),
            devices=["vivo-2402"],
            phones=["+8613100002402"],
            cards=["njcb-2402"],
            addresses=["南京市鼓楼区汉口路 22号 7舍 310"],
            networks=["202.119.24.0/24"],
            email="191240002@smail.nju.edu.cn",
        ),
        amount=15_000,
        typical=18_000,
    ),
)

case(
    "network-farm-home-broadband",
    FRAUD,
    "shared_network",
    "A farmer's home broadband /24: ten fake invitees over five weeks, each "
    "with a 接码 number and a fresh emulator id, cheap orders",
    (
        lambda inviter, farm: referral(
            inviter,
            farm[-1],
            others=farm[:-1],
            signups=[p.joined_at for p in farm],
            order_after=timedelta(hours=2),
            amount=3_000,
            typical=20_000,
        )
    )(
        person(
            joined=ago(days=70),
            devices=["xiaomi-2501"],
            phones=["+8615800002501"],
            cards=["abc-2501"],
            networks=["119.4.25.0/24"],
            email="fangyi@qq.com",
        ),
        [
            person(
                joined=ago(days=38 - 3.5 * i),
                devices=[f"emu-25{i:02d}"],
                phones=[f"+86165000025{i:02d}"],
                cards=[f"virtual-25{i:02d}"],
                networks=["119.4.25.0/24"],
                email=f"3300250{i:02d}@qq.com",
            )
            for i in range(10)
        ],
    ),
)

# ---------------------------------------------------------------------------
# Farms: invitees alike each other.
# ---------------------------------------------------------------------------


def _farm(
    n: int,
    tag: str,
    *,
    first: datetime,
    every: timedelta,
    devices: tuple[str, ...] | None = None,
    addresses: tuple[str, ...] | None = None,
    cards: tuple[str, ...] | None = None,
    networks: tuple[str, ...] | None = None,
    email_domain: str = "qq.com",
) -> list[Party]:
    """``n`` invitees each with a new phone; the given identifiers are the
    same on all of them, the rest are fresh per invitee."""
    return [
        person(
            joined=first + i * every,
            devices=devices or [f"{tag}-device-{i}"],
            phones=[f"+8616-{tag}-{i:05d}"],
            cards=cards or [f"{tag}-card-{i}"],
            addresses=addresses or [f"{tag}-address-{i}"],
            networks=networks or [f"10.{i}.{len(tag)}.0/24"],
            email=f"{tag}{i}@{email_domain}",
        )
        for i in range(n)
    ]


_farm_device = _farm(
    12,
    "devfarm",
    first=ago(days=3),
    every=timedelta(hours=5),
    devices=("emulator-host-2601",),
)
case(
    "farm-one-device-new-phones",
    FRAUD,
    "farm",
    "Twelve invitees over three days, each with a new 接码 number and VPN "
    "exit, all on one emulator host's device id",
    referral(
        person(
            joined=ago(days=40),
            devices=["oppo-2601"],
            phones=["+8613000002601"],
            cards=["ccb-2601"],
            networks=["27.115.26.0/24"],
            email="majun@qq.com",
        ),
        _farm_device[4],
        others=_farm_device[:4] + _farm_device[5:],
        signups=[p.joined_at for p in _farm_device],
        amount=12_000,
        typical=18_000,
    ),
)

_farm_addr_value = "上海市宝山区友谊路 1588弄 22号 101室"
_farm_address = _farm(
    8,
    "addrfarm",
    first=ago(days=30),
    every=timedelta(days=3),
    addresses=(_farm_addr_value,),
)
case(
    "farm-one-address-new-phones",
    FRAUD,
    "farm",
    "Eight invitees a month, each with a new phone, device and card, all "
    "ordering to one ground-floor flat in Baoshan",
    referral(
        person(
            joined=ago(days=90),
            devices=["iphone-2701"],
            phones=["+8613200002701"],
            cards=["bosh-2701"],
            networks=["58.33.27.0/24"],
            email="hujun@163.com",
        ),
        _farm_address[-1],
        others=_farm_address[:-1],
        signups=[p.joined_at for p in _farm_address],
        amount=20_000,
        typical=22_000,
    ),
)

_farm_card = _farm(
    6,
    "cardfarm",
    first=ago(days=20),
    every=timedelta(days=2),
    cards=("prepaid-2801",),
    email_domain="163.com",
)
case(
    "farm-one-prepaid-card",
    FRAUD,
    "farm",
    "Six invitees, everything fresh, but one prepaid card pays every first order",
    referral(
        person(
            joined=ago(days=200),
            devices=["iphone-2801"],
            phones=["+8613400002801"],
            cards=["cmb-2801"],
            networks=["116.232.28.0/24"],
            email="dongxu@163.com",
        ),
        _farm_card[2],
        others=_farm_card[:2] + _farm_card[3:],
        signups=[p.joined_at for p in _farm_card],
        amount=15_000,
        typical=16_000,
    ),
)

_drip_device = _farm(
    20,
    "dripdev",
    first=ago(days=80),
    every=timedelta(days=4),
    devices=("rooted-phone-2901",),
)
case(
    "slow-drip-one-device",
    FRAUD,
    "velocity",
    "Slow drip: one sign-up every four days for 80 days (20 in all, never "
    "more than 8 in 30 days), every invitee on one rooted phone",
    referral(
        person(
            joined=ago(days=120),
            devices=["xiaomi-2901"],
            phones=["+8618000002901"],
            cards=["pab-2901"],
            networks=["222.66.29.0/24"],
            email="yuanfei@qq.com",
        ),
        _drip_device[-1],
        others=_drip_device[:-1],
        signups=[p.joined_at for p in _drip_device],
        amount=19_000,
        typical=20_000,
    ),
)

_drip_addr_value = "Unit 4, 12 Industrial Way, Leicester LE4 9HA"
_drip_address = _farm(
    14,
    "dripaddr",
    first=ago(days=85),
    every=timedelta(days=6),
    addresses=(_drip_addr_value,),
    email_domain="outlook.com",
)
case(
    "slow-drip-one-address",
    FRAUD,
    "velocity",
    "Slow drip: two a fortnight for three months, fresh phone, device and card "
    "each, all booking jobs at one industrial unit",
    referral(
        person(
            joined=ago(days=150),
            devices=["pixel-3001"],
            phones=["+447700903001"],
            cards=["metro-3001"],
            networks=["5.64.30.0/24"],
            email="d.hughes@outlook.com",
        ),
        _drip_address[-1],
        others=_drip_address[:-1],
        signups=[p.joined_at for p in _drip_address],
        amount=14_000,
        typical=13_000,
    ),
)

_drip_tiny = _farm(
    16,
    "driptiny",
    first=ago(days=75),
    every=timedelta(days=4.5),
    email_domain="163.com",
)
case(
    "slow-drip-fresh-identities-tiny-orders",
    FRAUD,
    "velocity",
    "Slow drip of sixteen invitees with nothing shared (SIM farm, emulators, "
    "VPN), each placing a 10-yuan order within minutes of joining",
    referral(
        person(
            joined=ago(days=100),
            devices=["oppo-3101"],
            phones=["+8613000003101"],
            cards=["ccb-3101"],
            networks=["27.115.31.0/24"],
            email="luoqiang@163.com",
        ),
        _drip_tiny[-1],
        others=_drip_tiny[:-1],
        signups=[p.joined_at for p in _drip_tiny],
        order_after=timedelta(minutes=8),
        amount=1_000,
        typical=18_000,
    ),
)

case(
    "farm-shared-address-normal-orders-family-like",
    HONEST,
    "farm",
    "Two siblings and their cousin, invited by an aunt, live together in a "
    "Tsuen Wan flat; three invitees at one address",
    (
        lambda aunt, kids: referral(
            aunt,
            kids[0],
            others=kids[1:],
            signups=[k.joined_at for k in kids],
            amount=30_000,
            typical=33_000,
        )
    )(
        person(
            joined=ago(days=410),
            devices=["iphone-3201"],
            phones=["+85294003201"],
            cards=["hsbc-3201"],
            addresses=["香港新界荃灣 沙咀道 300號 20樓E"],
            networks=["112.118.32.0/24"],
            email="lam.mei.fung@gmail.com",
        ),
        [
            person(
                joined=ago(days=d),
                devices=[f"phone-lam-{i}"],
                phones=[f"+8529400320{i}"],
                cards=[f"card-lam-{i}"],
                addresses=["香港新界荃灣 青山公路 80號 7樓A"],
                networks=["61.244.32.0/24"],
                email=f"lam.kid{i}@gmail.com",
            )
            for i, d in [(2, 9), (3, 7), (4, 5)]
        ],
    ),
)

# ---------------------------------------------------------------------------
# Velocity: many sign-ups through one code.
# ---------------------------------------------------------------------------

_influencer = person(
    joined=ago(days=800),
    devices=["iphone-3301", "ipad-3301"],
    phones=["+8613900003301"],
    cards=["cmb-3301"],
    addresses=["上海市黄浦区淮海中路 300号 18楼"],
    networks=["116.236.33.0/24"],
    email="xiaohongshu.lily@163.com",
)
case(
    "velocity-influencer-spread-weeks",
    HONEST,
    "velocity",
    "A 小红书 home-cleaning blogger: 45 sign-ups over twelve weeks, at most "
    "three a day, strangers across Shanghai; this one ordered normally",
    referral(
        _influencer,
        person(
            joined=ago(days=5),
            devices=["honor-3302"],
            phones=["+8613900003302"],
            cards=["icbc-3302"],
            addresses=["上海市闵行区莘庄 莘松路 958弄 10号 302"],
            networks=["101.87.33.0/24"],
            email="yezi0823@qq.com",
        ),
        signups=spread(45, first=ago(days=84), every=timedelta(days=1.85)),
        others=[
            person(
                joined=ago(days=84 - 1.85 * i),
                devices=[f"fan-device-{i}"],
                phones=[f"+86139100{i:05d}"],
                cards=[f"fan-card-{i}"],
                addresses=[f"上海市 fan address {i}"],
                networks=[f"fan-net-{i}"],
                email=f"fan{i}@qq.com",
            )
            for i in range(44)
        ],
        amount=32_000,
        typical=30_000,
    ),
)

case(
    "velocity-influencer-viral-day",
    HONEST,
    "velocity",
    "A London cleaning YouTuber's video goes viral: nine real sign-ups in "
    "one evening, from all over the city",
    referral(
        person(
            joined=ago(days=500),
            devices=["iphone-3401"],
            phones=["+447700903401"],
            cards=["amex-3401"],
            addresses=["22 Brick Lane, London E1 6RF"],
            networks=["81.108.34.0/24"],
            email="cleanwithkate@gmail.com",
        ),
        person(
            joined=ago(days=6, hours=2),
            devices=["android-3402"],
            phones=["+447700903402"],
            cards=["hsbc-uk-3402"],
            addresses=["5 Peckham Rye, London SE15 4JR"],
            networks=["92.233.34.0/24"],
            email="tasha.b@yahoo.com",
        ),
        signups=spread(9, first=ago(days=6, hours=5), every=timedelta(minutes=25)),
        amount=10_000,
        typical=9_500,
    ),
)

case(
    "velocity-influencer-steady-month",
    HONEST,
    "velocity",
    "A Hong Kong parenting blogger: 18 sign-ups in the last month (under the "
    "monthly limit), most in the two days after a post",
    referral(
        person(
            joined=ago(days=600),
            devices=["iphone-3501"],
            phones=["+85298003501"],
            cards=["hsbc-3501"],
            addresses=["香港港島 跑馬地 黃泥涌道 50號 10樓"],
            networks=["219.76.35.0/24"],
            email="mama.yuen@gmail.com",
        ),
        person(
            joined=ago(days=20, hours=6),
            devices=["iphone-3502"],
            phones=["+85298003502"],
            cards=["dbs-3502"],
            addresses=["香港九龍 何文田 公主道 12號 6樓"],
            networks=["42.3.35.0/24"],
            email="cheung.sy@yahoo.com.hk",
        ),
        signups=(
            spread(5, first=ago(days=21), every=timedelta(hours=4))
            + spread(4, first=ago(days=20), every=timedelta(hours=5))
            + spread(9, first=ago(days=18), every=timedelta(days=2))
        ),
        order_after=timedelta(days=10),
        amount=40_000,
        typical=42_000,
    ),
)

case(
    "velocity-burst-one-night",
    FRAUD,
    "velocity",
    "羊毛党 night: 200 sign-ups through one code between midnight and 4 am, "
    "SIM-farm numbers, emulator ids, VPN exits; 1-yuan orders",
    referral(
        person(
            joined=ago(days=15),
            devices=["android-3601"],
            phones=["+8617000003601"],
            cards=["virtual-3601"],
            networks=["171.8.36.0/24"],
            email="",
        ),
        person(
            joined=ago(days=1, hours=10),
            devices=["emu-3602"],
            phones=["+8616500003602"],
            cards=["virtual-3602"],
            networks=["45.76.36.0/24"],
            email="",
        ),
        signups=spread(200, first=ago(days=1, hours=12), every=timedelta(minutes=1.2)),
        order_after=timedelta(minutes=6),
        amount=100,
        typical=15_000,
    ),
)

case(
    "velocity-burst-six-hours-normal-orders",
    FRAUD,
    "velocity",
    "Thirty sign-ups in six hours with fresh identities; the farm pays full "
    "price to colluding cleaners so the orders look normal",
    referral(
        person(
            joined=ago(days=30),
            devices=["android-3701"],
            phones=["+8617100003701"],
            cards=["abc-3701"],
            networks=["36.110.37.0/24"],
            email="zhaogang@sina.com",
        ),
        person(
            joined=ago(days=3, hours=2),
            devices=["emu-3702"],
            phones=["+8616700003702"],
            cards=["virtual-3702"],
            networks=["103.1.37.0/24"],
            email="",
        ),
        signups=spread(30, first=ago(days=3, hours=6), every=timedelta(minutes=12)),
        order_after=timedelta(days=1),
        amount=20_000,
        typical=20_000,
    ),
)

case(
    "velocity-monthly-limit-drip",
    FRAUD,
    "velocity",
    "Twenty-five sign-ups in three weeks, at most four a day, fresh "
    "identities, the reward cashed by each",
    referral(
        person(
            joined=ago(days=60),
            devices=["iphone-3801"],
            phones=["+8613800003801"],
            cards=["spdb-3801"],
            networks=["114.86.38.0/24"],
            email="wuting@126.com",
        ),
        person(
            joined=ago(days=2),
            devices=["redmi-3802"],
            phones=["+8616200003802"],
            cards=["virtual-3802"],
            networks=["223.166.38.0/24"],
            email="4102383802@qq.com",
        ),
        signups=spread(25, first=ago(days=22), every=timedelta(hours=20)),
        amount=16_000,
        typical=18_000,
    ),
)

# ---------------------------------------------------------------------------
# Loops: A refers B, B refers A.
# ---------------------------------------------------------------------------

_loop_a_id = next(_user_ids)
_loop_b = person(
    joined=ago(days=12),
    devices=["android-3902"],
    phones=["+8617000003902"],
    cards=["virtual-3902"],
    networks=["223.104.39.0/24"],
    carrier=["223.104.39.0/24"],
    email="loop.b@qq.com",
)
case(
    "loop-a-b-a",
    FRAUD,
    "loop",
    "A refers B, B's code then brings in a new account of A: each side earns "
    "twice; fresh devices on both",
    referral(
        person(
            user_id=_loop_a_id,
            joined=ago(days=15),
            devices=["iphone-3901"],
            phones=["+8613900003901"],
            cards=["cmb-3901"],
            networks=["117.136.39.0/24"],
            carrier=["117.136.39.0/24"],
            email="loop.a@qq.com",
        ),
        _loop_b,
        referred=[_loop_a_id, next(_user_ids)],
        amount=18_000,
        typical=20_000,
    ),
)

_loop2_a_id = next(_user_ids)
case(
    "loop-two-friends-swap-codes",
    FRAUD,
    "loop",
    "Two accounts referring each other's fresh accounts through a chain that "
    "closes on the inviter (London, different everything)",
    referral(
        person(
            user_id=_loop2_a_id,
            joined=ago(days=25),
            devices=["iphone-4001"],
            phones=["+447700904001"],
            cards=["monzo-4001"],
            networks=["82.3.40.0/24"],
            email="m.ali@gmail.com",
        ),
        person(
            joined=ago(days=20),
            devices=["galaxy-4002"],
            phones=["+447700904002"],
            cards=["starling-4002"],
            networks=["86.7.40.0/24"],
            email="r.jones@gmail.com",
        ),
        referred=[_loop2_a_id],
        order_after=timedelta(days=5),
        amount=9_000,
        typical=10_000,
    ),
)

case(
    "loop-free-mutual-friends",
    HONEST,
    "loop",
    "Honest friends: the invitee has since referred two of her own friends "
    "(none of them the inviter)",
    referral(
        person(
            joined=ago(days=250),
            devices=["iphone-4101"],
            phones=["+8613600004101"],
            cards=["cmb-4101"],
            networks=["116.224.41.0/24"],
            email="jiangxin@qq.com",
        ),
        person(
            joined=ago(days=40),
            devices=["huawei-4102"],
            phones=["+8613600004102"],
            cards=["bocom-4102"],
            networks=["58.247.41.0/24"],
            email="pengyue@163.com",
        ),
        referred=[next(_user_ids), next(_user_ids)],
        order_after=timedelta(days=9),
        amount=27_000,
        typical=25_000,
    ),
)

# ---------------------------------------------------------------------------
# Providers and their customers.
# ---------------------------------------------------------------------------


def _provider(n: int, email: str, *, city_net: str) -> Party:
    return person(
        joined=ago(days=300),
        provider=True,
        devices=[f"provider-phone-{n}"],
        phones=[f"+86137{n:08d}"],
        cards=[f"provider-card-{n}"],
        addresses=[f"provider-home-{n}"],
        networks=[city_net],
        email=email,
    )


_hairdresser = person(
    joined=ago(days=500),
    provider=True,
    devices=["iphone-4201"],
    phones=["+85290004201"],
    cards=["hsbc-4201"],
    addresses=["香港九龍 油麻地 上海街 200號 地下"],
    networks=["113.28.42.0/24"],
    email="salon.ivy@gmail.com",
)
case(
    "provider-brings-regular-client",
    HONEST,
    "provider",
    "A Yau Ma Tei hairdresser moves a regular client onto the platform; the "
    "client books her at full price five days later",
    referral(
        _hairdresser,
        person(
            joined=ago(days=8),
            devices=["android-4202"],
            phones=["+85290004202"],
            cards=["boc-4202"],
            addresses=["香港九龍 佐敦 白加士街 30號 9樓"],
            networks=["203.186.42.0/24"],
            email="mrs.tse@yahoo.com.hk",
        ),
        served_by=_hairdresser.user_id,
        order_after=timedelta(days=5),
        amount=38_000,
        typical=35_000,
    ),
)

_cleaner = _provider(4301, "auntie.li.clean@163.com", city_net="218.80.43.0/24")
case(
    "provider-client-books-on-the-spot",
    HONEST,
    "provider",
    "A cleaner tells a long-time client to sign up with her code and book "
    "her; the client does it there and then, at the usual price",
    referral(
        _cleaner,
        person(
            joined=ago(days=6),
            devices=["iphone-4302"],
            phones=["+8613900004302"],
            cards=["cmb-4302"],
            addresses=["上海市长宁区愚园路 1088弄 5号"],
            networks=["101.86.43.0/24"],
            email="mrs.shen@qq.com",
        ),
        served_by=_cleaner.user_id,
        order_after=timedelta(minutes=9),
        amount=30_000,
        typical=28_000,
    ),
)

case(
    "provider-refers-provider",
    HONEST,
    "provider",
    "An electrician refers a fellow electrician; the new provider's "
    "qualifying job was for a stranger",
    referral(
        _provider(4401, "wang.dian@163.com", city_net="61.170.44.0/24"),
        person(
            joined=ago(days=30),
            provider=True,
            devices=["android-4402"],
            phones=["+8613700004402"],
            cards=["abc-4402"],
            addresses=["上海市嘉定区 安亭镇 墨玉路 28号"],
            networks=["58.35.44.0/24"],
            email="liu.shifu@126.com",
        ),
        served_by=None,
        customer=next(_stranger_ids),
        order_after=timedelta(days=10),
        amount=25_000,
        typical=24_000,
    ),
)

_fake_provider = _provider(4501, "quick.fix.4501@qq.com", city_net="223.104.45.0/24")
case(
    "provider-fake-customer-tiny-instant",
    FRAUD,
    "provider",
    "A handyman makes a customer account on a second SIM and serves its "
    "8-yuan 'job' 20 minutes after sign-up (Uber China's fake rides)",
    referral(
        _fake_provider,
        person(
            joined=ago(days=2),
            devices=["cheap-android-4502"],
            phones=["+8616500004502"],
            cards=["alipay-4502"],
            networks=["223.104.46.0/24"],
            carrier=["223.104.46.0/24"],
            email="",
        ),
        served_by=_fake_provider.user_id,
        order_after=timedelta(minutes=20),
        amount=800,
        typical=15_000,
    ),
)

_fake_provider2 = _provider(4601, "tutor.chen@163.com", city_net="124.79.46.0/24")
_fake_customers = _farm(
    5, "tutorfake", first=ago(days=40), every=timedelta(days=7), email_domain="126.com"
)
case(
    "provider-slow-drip-fake-customers-tiny",
    FRAUD,
    "provider",
    "A tutor drips five invented students over five weeks, fresh "
    "identities each; each books her for a 15-minute 'trial' a day later",
    referral(
        _fake_provider2,
        _fake_customers[-1],
        others=_fake_customers[:-1],
        signups=[p.joined_at for p in _fake_customers],
        served_by=_fake_provider2.user_id,
        order_after=timedelta(days=1),
        amount=2_500,
        typical=20_000,
    ),
)

_ring_inviter = person(
    joined=ago(days=50),
    devices=["iphone-4701"],
    phones=["+8613100004701"],
    cards=["cib-4701"],
    networks=["180.169.47.0/24"],
    email="ring.boss@qq.com",
)
_ring_provider = person(
    joined=ago(days=30),
    provider=True,
    devices=["android-4702"],
    phones=["+8613100004702"],
    cards=["ccb-4702"],
    networks=["180.172.47.0/24"],
    email="ring.worker@qq.com",
)
_ring_customer = person(
    joined=ago(days=4),
    devices=["android-4703"],
    phones=["+8616500004703"],
    cards=["virtual-4703"],
    networks=["223.104.47.0/24"],
    carrier=["223.104.47.0/24"],
    email="",
)
case(
    "provider-ring-inviters-own-provider",
    FRAUD,
    "provider",
    "A ring: the inviter brought in a provider, then a customer whose small "
    "first order that same provider served",
    referral(
        _ring_inviter,
        _ring_customer,
        others=[_ring_provider],
        signups=[_ring_provider.joined_at, _ring_customer.joined_at],
        served_by=_ring_provider.user_id,
        order_after=timedelta(hours=1),
        amount=4_000,
        typical=16_000,
    ),
)

_uber_inviter = person(
    joined=ago(days=35),
    devices=["iphone-4801"],
    phones=["+8613300004801"],
    cards=["cmb-4801"],
    networks=["101.44.48.0/24"],
    email="fast.cash@qq.com",
)
case(
    "provider-inviter-is-first-customer",
    FRAUD,
    "provider",
    "The inviter recruits a provider account (a traded one) and is itself the "
    "customer of its qualifying job: a short cheap job the next hour",
    referral(
        _uber_inviter,
        person(
            joined=ago(days=3),
            provider=True,
            devices=["android-4802"],
            phones=["+8617000004802"],
            cards=["virtual-4802"],
            networks=["39.144.48.0/24"],
            carrier=["39.144.48.0/24"],
            email="",
        ),
        customer=_uber_inviter.user_id,
        order_after=timedelta(hours=1),
        amount=2_000,
        typical=18_000,
    ),
)

_card_provider = _provider(4901, "mover.zhao@qq.com", city_net="114.80.49.0/24")
case(
    "provider-pays-fake-customer-with-own-card",
    FRAUD,
    "provider",
    "A mover's fake customer, fresh phone and device, pays for its order "
    "with the mover's own card",
    referral(
        _card_provider,
        person(
            joined=ago(days=5),
            devices=["android-4902"],
            phones=["+8616700004902"],
            cards=["provider-card-4901"],
            networks=["117.136.49.0/24"],
            carrier=["117.136.49.0/24"],
            email="",
        ),
        served_by=_card_provider.user_id,
        order_after=timedelta(days=1),
        amount=40_000,
        typical=45_000,
    ),
)

_device_provider = _provider(5001, "nails.by.vicky@gmail.com", city_net="1.64.50.0/24")
case(
    "provider-creates-customer-on-own-phone",
    FRAUD,
    "provider",
    "A nail technician creates her fake customer on her own phone, then "
    "serves its order",
    referral(
        _device_provider,
        person(
            joined=ago(days=3),
            devices=["provider-phone-5001"],
            phones=["+85260005002"],
            cards=["octopus-5002"],
            networks=["1.64.50.0/24"],
            email="vicky.fan.5002@gmail.com",
        ),
        served_by=_device_provider.user_id,
        order_after=timedelta(hours=2),
        amount=20_000,
        typical=25_000,
    ),
)

_normal_provider = _provider(5101, "gardener.chu@gmail.com", city_net="58.152.51.0/24")
case(
    "provider-fake-customer-full-price",
    FRAUD,
    "provider",
    "A gardener's invented customer, nothing shared, books him at full "
    "price two days later (the commission costs less than the reward)",
    referral(
        _normal_provider,
        person(
            joined=ago(days=6),
            devices=["android-5102"],
            phones=["+85260005102"],
            cards=["virtual-5102"],
            networks=["42.2.51.0/24"],
            carrier=["42.2.51.0/24"],
            email="",
        ),
        served_by=_normal_provider.user_id,
        amount=30_000,
        typical=30_000,
    ),
)

# ---------------------------------------------------------------------------
# Order shape: how soon, how much.
# ---------------------------------------------------------------------------

case(
    "order-locksmith-right-away",
    HONEST,
    "order_shape",
    "Locked out: signs up through a friend's WhatsApp link and books a "
    "locksmith four minutes later at the usual price",
    referral(
        person(
            joined=ago(days=180),
            devices=["iphone-5201"],
            phones=["+447700905201"],
            cards=["halifax-5201"],
            networks=["86.1.52.0/24"],
            email="n.singh@gmail.com",
        ),
        person(
            joined=ago(days=1),
            devices=["galaxy-5202"],
            phones=["+447700905202"],
            cards=["natwest-5202"],
            networks=["82.132.52.0/24"],
            carrier=["82.132.52.0/24"],
            email="g.evans@btinternet.com",
        ),
        order_after=timedelta(minutes=4),
        amount=12_000,
        typical=11_000,
    ),
)

case(
    "order-small-trial-lesson",
    HONEST,
    "order_shape",
    "A parent books a 20-minute trial piano lesson, a fifth of the usual "
    "order, two days after joining",
    referral(
        person(
            joined=ago(days=230),
            devices=["iphone-5301"],
            phones=["+8613500005301"],
            cards=["cmb-5301"],
            networks=["116.226.53.0/24"],
            email="ms.liang@qq.com",
        ),
        person(
            joined=ago(days=4),
            devices=["iphone-5302"],
            phones=["+8613500005302"],
            cards=["icbc-5302"],
            networks=["101.81.53.0/24"],
            email="mr.he@163.com",
        ),
        amount=5_000,
        typical=25_000,
    ),
)

case(
    "order-small-and-soon",
    HONEST,
    "order_shape",
    "Needs one light bulb changed tonight: joins and books a minimum-fee job "
    "within the hour",
    referral(
        person(
            joined=ago(days=320),
            devices=["pixel-5401"],
            phones=["+447700905401"],
            cards=["monzo-5401"],
            networks=["62.31.54.0/24"],
            email="alice.w@gmail.com",
        ),
        person(
            joined=ago(days=1),
            devices=["iphone-5402"],
            phones=["+447700905402"],
            cards=["amex-5402"],
            networks=["109.150.54.0/24"],
            email="bob.w@icloud.com",
        ),
        order_after=timedelta(minutes=40),
        amount=3_500,
        typical=9_000,
    ),
)

case(
    "order-small-typical-unknown",
    HONEST,
    "order_shape",
    "First order in a new category and city with no median yet; it is small",
    referral(
        person(
            joined=ago(days=100),
            devices=["huawei-5501"],
            phones=["+8613200005501"],
            cards=["ccb-5501"],
            networks=["221.137.55.0/24"],
            email="xie.fang@qq.com",
        ),
        person(
            joined=ago(days=8),
            devices=["vivo-5502"],
            phones=["+8613200005502"],
            cards=["abc-5502"],
            networks=["180.175.55.0/24"],
            email="su.min@qq.com",
        ),
        amount=2_000,
        typical=0,
    ),
)

case(
    "order-fresh-pair-instant-tiny",
    FRAUD,
    "order_shape",
    "A brand-new inviter (joined an hour before) and its invitee, nothing "
    "shared, a 2-yuan order three minutes after sign-up",
    referral(
        person(
            joined=ago(days=2, hours=1),
            devices=["emu-5601"],
            phones=["+8616500005601"],
            cards=["virtual-5601"],
            networks=["45.32.56.0/24"],
            email="",
        ),
        person(
            joined=ago(days=2),
            devices=["emu-5602"],
            phones=["+8616500005602"],
            cards=["virtual-5602"],
            networks=["45.77.56.0/24"],
            email="",
        ),
        order_after=timedelta(minutes=3),
        amount=200,
        typical=15_000,
    ),
)

case(
    "order-disposable-email-instant-tiny",
    FRAUD,
    "order_shape",
    "Throwaway mailbox, VPN, new device, a one-pound order right after "
    "joining; nothing shared with the inviter",
    referral(
        person(
            joined=ago(days=50),
            devices=["pixel-5701"],
            phones=["+447700905701"],
            cards=["revolut-5701"],
            networks=["5.81.57.0/24"],
            email="kev.t@gmail.com",
        ),
        person(
            joined=ago(days=1),
            devices=["emu-5702"],
            phones=["+447700905702"],
            cards=["virtual-5702"],
            networks=["185.220.57.0/24"],
            email="x7q2k@mailinator.com",
        ),
        order_after=timedelta(minutes=7),
        amount=100,
        typical=9_000,
    ),
)

case(
    "order-fresh-inviter-shared-wifi-instant",
    FRAUD,
    "order_shape",
    "Two accounts made the same evening on one home Wi-Fi, the second with "
    "a cheap order fifteen minutes after joining",
    referral(
        person(
            joined=ago(days=3, hours=3),
            devices=["redmi-5801"],
            phones=["+8617000005801"],
            cards=["alipay-5801"],
            networks=["183.193.58.0/24"],
            email="1500585801@qq.com",
        ),
        person(
            joined=ago(days=3),
            devices=["redmi-5802"],
            phones=["+8617000005802"],
            cards=["alipay-5802"],
            networks=["183.193.58.0/24"],
            email="1500585802@qq.com",
        ),
        order_after=timedelta(minutes=15),
        amount=2_500,
        typical=16_000,
    ),
)

# ---------------------------------------------------------------------------
# Time: identifiers that passed between people.
# ---------------------------------------------------------------------------

case(
    "time-second-hand-phone",
    HONEST,
    "time",
    "The invitee bought the inviter's old iPhone; its device id was last seen "
    "on the inviter's account 14 months ago",
    referral(
        person(
            joined=ago(days=1000),
            devices=["iphone-11-5901", "iphone-15-5901"],
            phones=["+8613800005901"],
            cards=["cmb-5901"],
            networks=["116.237.59.0/24"],
            email="lu.wen@qq.com",
            seen={device("iphone-11-5901"): ago(days=420)},
        ),
        person(
            joined=ago(days=5),
            devices=["iphone-11-5901"],
            phones=["+8613800005902"],
            cards=["icbc-5902"],
            networks=["101.93.59.0/24"],
            email="cai.na@163.com",
        ),
        amount=21_000,
        typical=22_000,
    ),
)

case(
    "time-moved-into-friends-old-flat",
    HONEST,
    "time",
    "The invitee rents the flat the inviter moved out of last spring; the "
    "address was last on the inviter's account eight months ago",
    referral(
        person(
            joined=ago(days=700),
            devices=["pixel-6001"],
            phones=["+447700906001"],
            cards=["nationwide-6001"],
            addresses=["18 Hope Street, Flat 1, Liverpool L1 9BQ", "2 Dock Road"],
            networks=["86.30.60.0/24"],
            email="chris.l@gmail.com",
            seen={address("18 Hope Street, Flat 1, Liverpool L1 9BQ"): ago(days=240)},
        ),
        person(
            joined=ago(days=9),
            devices=["iphone-6002"],
            phones=["+447700906002"],
            cards=["hsbc-uk-6002"],
            addresses=["18 Hope Street, Flat 1, Liverpool L1 9BQ"],
            networks=["94.12.60.0/24"],
            email="dan.k@outlook.com",
        ),
        amount=17_000,
        typical=16_000,
    ),
)

case(
    "time-daughter-took-mothers-old-number",
    HONEST,
    "time",
    "The daughter took over her mother's old number when mum switched "
    "carriers; it was last on mum's account eleven months ago",
    referral(
        person(
            joined=ago(days=900),
            devices=["huawei-6101"],
            phones=["+8613700006101", "+8618900006101"],
            cards=["bocom-6101"],
            addresses=["广州市天河区 体育西路 103号 1205"],
            networks=["113.108.61.0/24"],
            email="huang.lihua@163.com",
            seen={phone("+8613700006101"): ago(days=330)},
        ),
        person(
            joined=ago(days=7),
            devices=["iphone-6102"],
            phones=["+8613700006101"],
            cards=["gdb-6102"],
            addresses=["广州市海珠区 江南大道 200号 803"],
            networks=["59.41.61.0/24"],
            email="huang.xiaoyu@qq.com",
        ),
        amount=26_000,
        typical=24_000,
    ),
)

case(
    "time-device-swapped-this-week",
    FRAUD,
    "time",
    "The inviter's spare phone, used on the inviter's account two days ago, "
    "creates the invitee; new number and card",
    referral(
        person(
            joined=ago(days=150),
            devices=["iphone-6201", "spare-android-6201"],
            phones=["+8613600006201"],
            cards=["cmb-6201"],
            networks=["58.40.62.0/24"],
            email="feng.tao@qq.com",
            seen={device("spare-android-6201"): ago(days=2)},
        ),
        person(
            joined=ago(days=2),
            devices=["spare-android-6201"],
            phones=["+8616600006202"],
            cards=["virtual-6202"],
            networks=["223.104.62.0/24"],
            carrier=["223.104.62.0/24"],
            email="",
        ),
        amount=24_000,
        typical=24_000,
    ),
)

# ---------------------------------------------------------------------------
# Reinstalls and plain referrals.
# ---------------------------------------------------------------------------

case(
    "reinstall-invitee-many-device-ids",
    HONEST,
    "plain",
    "The invitee reinstalled the app three times (four device ids in a week, "
    "a known iOS cookie reset); nothing shared with the inviter",
    referral(
        person(
            joined=ago(days=140),
            devices=["iphone-6301"],
            phones=["+8613900006301"],
            cards=["citic-6301"],
            networks=["116.233.63.0/24"],
            email="han.bing@qq.com",
        ),
        person(
            joined=ago(days=7),
            devices=[f"iphone-6302-install-{i}" for i in range(4)],
            phones=["+8613900006302"],
            cards=["cmb-6302"],
            networks=["101.229.63.0/24"],
            email="qin.yue@163.com",
        ),
        amount=23_000,
        typical=24_000,
    ),
)

case(
    "reinstall-inviter-many-device-ids",
    HONEST,
    "plain",
    "The inviter reinstalls the app after every phone reset (seven device "
    "ids); the invitee is a friend across town",
    referral(
        person(
            joined=ago(days=450),
            devices=[f"galaxy-6401-install-{i}" for i in range(7)],
            phones=["+447700906401"],
            cards=["barclays-6401"],
            networks=["86.128.64.0/24"],
            email="liam.o@gmail.com",
        ),
        person(
            joined=ago(days=10),
            devices=["iphone-6402"],
            phones=["+447700906402"],
            cards=["lloyds-6402"],
            networks=["81.98.64.0/24"],
            email="zoe.h@gmail.com",
        ),
        amount=10_000,
        typical=11_000,
    ),
)

case(
    "plain-cross-border-cousins",
    HONEST,
    "plain",
    "A Hong Kong inviter refers her cousin in Shenzhen; nothing shared",
    referral(
        person(
            joined=ago(days=260),
            devices=["iphone-6501"],
            phones=["+85297006501"],
            cards=["hsbc-6501"],
            addresses=["香港港島 北角 英皇道 500號 11樓"],
            networks=["218.103.65.0/24"],
            email="yip.wing@gmail.com",
        ),
        person(
            joined=ago(days=12),
            devices=["oppo-6502"],
            phones=["+8613500006502"],
            cards=["pab-6502"],
            addresses=["深圳市福田区 华强北路 1002号 1701"],
            networks=["183.15.65.0/24"],
            email="ye.qing@qq.com",
        ),
        amount=28_000,
        typical=26_000,
    ),
)

case(
    "plain-london-friends",
    HONEST,
    "plain",
    "University friends in London, nothing shared, a normal clean",
    referral(
        person(
            joined=ago(days=190),
            devices=["iphone-6601"],
            phones=["+447700906601"],
            cards=["monzo-6601"],
            addresses=["80 Holloway Road, London N7 8JG"],
            networks=["92.17.66.0/24"],
            email="georgia.p@gmail.com",
        ),
        person(
            joined=ago(days=11),
            devices=["pixel-6602"],
            phones=["+447700906602"],
            cards=["starling-6602"],
            addresses=["9 Camberwell Grove, London SE5 8JA"],
            networks=["86.145.66.0/24"],
            email="ade.o@yahoo.co.uk",
        ),
        amount=13_000,
        typical=12_000,
    ),
)

case(
    "plain-beijing-friends",
    HONEST,
    "plain",
    "Former classmates in Beijing, both 163.com, nothing else shared",
    referral(
        person(
            joined=ago(days=420),
            devices=["xiaomi-6701"],
            phones=["+8613100006701"],
            cards=["boc-6701"],
            addresses=["北京市海淀区 中关村大街 27号 1203"],
            networks=["123.113.67.0/24"],
            email="zhang.li@163.com",
        ),
        person(
            joined=ago(days=14),
            devices=["huawei-6702"],
            phones=["+8613100006702"],
            cards=["ccb-6702"],
            addresses=["北京市东城区 东直门南大街 5号 608"],
            networks=["114.242.67.0/24"],
            email="song.jia@163.com",
        ),
        amount=35_000,
        typical=33_000,
    ),
)

case(
    "plain-no-order-yet",
    HONEST,
    "plain",
    "Assessed before any order (the caller may ask early); nothing shared",
    referral(
        person(
            joined=ago(days=130),
            devices=["iphone-6801"],
            phones=["+8613300006801"],
            cards=["cmb-6801"],
            networks=["116.228.68.0/24"],
            email="lin.yi@qq.com",
        ),
        person(
            joined=ago(days=1),
            devices=["iphone-6802"],
            phones=["+8613300006802"],
            cards=["icbc-6802"],
            networks=["101.82.68.0/24"],
            email="he.rui@qq.com",
        ),
        order_after=None,
    ),
)

case(
    "plain-friends-joined-together",
    HONEST,
    "order_shape",
    "Two friends at a dinner: one joins, then invites the other on the "
    "restaurant's Wi-Fi ten minutes later; a normal order next week",
    referral(
        person(
            joined=ago(days=9, minutes=10),
            devices=["iphone-6901"],
            phones=["+85265006901"],
            cards=["hsbc-6901"],
            addresses=["香港港島 西營盤 第二街 80號 3樓"],
            networks=["113.252.69.0/24", "210.6.69.0/24"],
            email="kelly.ng@gmail.com",
        ),
        person(
            joined=ago(days=9),
            devices=["android-6902"],
            phones=["+85265006902"],
            cards=["boc-6902"],
            addresses=["香港九龍 觀塘 裕民坊 6號 15樓"],
            networks=["113.252.69.0/24"],
            email="jason.lo@yahoo.com.hk",
        ),
        order_after=timedelta(days=6),
        amount=36_000,
        typical=34_000,
    ),
)

case(
    "plain-invitee-couple-among-invitees",
    HONEST,
    "farm",
    "An inviter's twelve invitees over two months include a couple who share "
    "their flat and Wi-Fi; this is one of the couple",
    (
        lambda inviter, invitees: referral(
            inviter,
            invitees[0],
            others=invitees[1:],
            signups=[p.joined_at for p in invitees],
            amount=19_000,
            typical=20_000,
        )
    )(
        person(
            joined=ago(days=365),
            devices=["iphone-7001"],
            phones=["+8613700007001"],
            cards=["cmb-7001"],
            networks=["116.227.70.0/24"],
            email="zhu.hong@qq.com",
        ),
        [
            person(
                joined=ago(days=12),
                devices=["huawei-7002"],
                phones=["+8613700007002"],
                cards=["icbc-7002"],
                addresses=["上海市 长宁区 虹桥路 1400弄 8号 201"],
                networks=["101.84.70.0/24"],
                email="yao.xin@163.com",
            ),
            person(
                joined=ago(days=11),
                devices=["iphone-7003"],
                phones=["+8613700007003"],
                cards=["cmb-7003"],
                addresses=["上海市 长宁区 虹桥路 1400弄 8号 201"],
                networks=["101.84.70.0/24"],
                email="pan.jun@qq.com",
            ),
        ]
        + [
            person(
                joined=ago(days=60 - 4 * i),
                devices=[f"friend-device-70{i:02d}"],
                phones=[f"+86137100070{i:02d}"],
                cards=[f"friend-card-70{i:02d}"],
                networks=[f"friend-net-70{i:02d}"],
                email=f"friend70{i:02d}@qq.com",
            )
            for i in range(10)
        ],
    ),
)

case(
    "farm-two-invitees-one-device-honest-family-tablet",
    HONEST,
    "farm",
    "Grandparents invited by their grandson both use the one family tablet; "
    "each has an own phone number and pays by own card",
    (
        lambda grandson, gp: referral(
            grandson,
            gp[1],
            others=gp[:1],
            signups=[p.joined_at for p in gp],
            order_after=timedelta(days=4),
            amount=22_000,
            typical=20_000,
        )
    )(
        person(
            joined=ago(days=300),
            devices=["iphone-7101"],
            phones=["+8613900007101"],
            cards=["cmb-7101"],
            addresses=["成都市武侯区 科华北路 65号 1502"],
            networks=["171.221.71.0/24"],
            email="tian.yu@qq.com",
        ),
        [
            person(
                joined=ago(days=d),
                devices=["family-ipad-7102"],
                phones=[f"+861390000710{i}"],
                cards=[f"ccb-pension-710{i}"],
                addresses=["成都市青羊区 文翁路 20号 3单元 401"],
                networks=["125.70.71.0/24"],
                email="",
            )
            for i, d in [(2, 10), (3, 9)]
        ],
    ),
)

case(
    "farm-same-card-two-invitees-small-ring",
    FRAUD,
    "farm",
    "Three fake invitees a week apart, fresh devices and phones on mobile "
    "data; two of them pay with the same debit card",
    (
        lambda inviter, fakes: referral(
            inviter,
            fakes[2],
            others=fakes[:2],
            signups=[p.joined_at for p in fakes],
            amount=16_000,
            typical=18_000,
        )
    )(
        person(
            joined=ago(days=80),
            devices=["iphone-7201"],
            phones=["+447700907201"],
            cards=["halifax-7201"],
            networks=["81.174.72.0/24"],
            email="sharon.b@aol.com",
        ),
        [
            person(
                joined=ago(days=d),
                devices=[f"android-72{i:02d}"],
                phones=[f"+4477009072{i:02d}"],
                cards=[c],
                networks=[f"82.132.{i}.0/24"],
                carrier=[f"82.132.{i}.0/24"],
                email=f"deal.hunter.{i}@gmail.com",
            )
            for i, d, c in [
                (2, 20, "prepaid-7202"),
                (3, 13, "tsb-7203"),
                (4, 6, "prepaid-7202"),
            ]
        ],
    ),
)
