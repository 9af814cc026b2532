"""What the demo's growth stories say: campaigns, codes and the people who
joined or bought through them (``demo.growth``). Campaign names and notes are
the operator's own data (ops type them in the back office), so they are
plain strings here, like listing titles in ``demo.data``."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Programme:
    """The referral programme in one currency: the friend's welcome offer on
    a first order (the programme's coupon) and the inviter's credit, in minor
    units."""

    currency: str
    name: str
    code: str  # the welcome coupon's own code
    welcome_amount: int
    min_spend_amount: int
    reward_amount: int
    budget_amount: int


REFERRAL_PROGRAMMES = (
    Programme(
        "CNY",
        "Invite a friend · 邀请好友 (CNY)",
        "WELCOME-CNY",
        3000,
        10000,
        2000,
        500000,
    ),
    Programme(
        "TWD",
        "Invite a friend · 邀請好友 (TWD)",
        "WELCOME-TWD",
        15000,
        50000,
        10000,
        2000000,
    ),
    Programme(
        "HKD",
        "Invite a friend · 邀請好友 (HKD)",
        "WELCOME-HKD",
        5000,
        20000,
        3000,
        600000,
    ),
    Programme("USD", "Invite a friend (USD)", "WELCOME-USD", 1000, 4000, 500, 150000),
)


@dataclass(frozen=True)
class Newcomer:
    """Someone who signs up during the stories, at a home near Jing'an (so
    the demo provider login and its neighbours serve them)."""

    key: str
    email: str
    name: str
    language: str
    address: str
    latitude: float
    longitude: float
    ip: str


# The demo customer login's device and network, which one friend shares.
DEMO_CUSTOMER_IP = "116.228.41.23"

FRIENDS = {
    # Joined through the demo customer's link, ordered, the inviter was paid.
    "rewarded": Newcomer(
        "rewarded",
        "zhou.min.friend@example.com",
        "周敏",
        "zh-hans",
        "上海市静安区延平路121号8楼803室",
        31.2261,
        121.4398,
        "180.168.12.77",
    ),
    # Joined last week, has not ordered yet.
    "joined": Newcomer(
        "joined",
        "sun.jie.friend@example.com",
        "孙杰",
        "zh-hans",
        "上海市静安区武定路900号5楼501室",
        31.2318,
        121.4431,
        "58.247.8.140",
    ),
    # Signed up on the inviter's own laptop at the inviter's flat: held.
    "quarantined": Newcomer(
        "quarantined",
        "wu.lei.friend@example.com",
        "吴磊",
        "zh-hans",
        "上海市静安区北京西路1399号12楼1205室",
        31.2289,
        121.4486,
        DEMO_CUSTOMER_IP,
    ),
}

# A customer of the demo who invited someone on their own phone, who then
# ordered within minutes: a second entry in the quarantine queue.
SECOND_INVITER = Newcomer(
    "second_inviter",
    "he.jun.inviter@example.com",
    "何军",
    "zh-hans",
    "上海市静安区昌平路700号3楼302室",
    31.2375,
    121.4424,
    "101.87.65.12",
)
SECOND_INVITEE = Newcomer(
    "second_invitee",
    "he.jun.2@example.com",
    "何俊",
    "zh-hans",
    "上海市静安区昌平路700号3楼302室",
    31.2375,
    121.4424,
    "101.87.65.12",
)

# Tenants of the partner's estate, each handed one of its single-use codes.
PARTNER_NAME = "Jing'an Gardens · 静安花园"
PARTNER_PREFIX = "JAGARDENS"
TENANTS = (
    Newcomer(
        "tenant-1",
        "lu.yan.tenant@example.com",
        "陆燕",
        "zh-hans",
        "上海市静安区常德路1088弄静安花园3号楼1202室",
        31.2271,
        121.4462,
        "140.206.77.31",
    ),
    Newcomer(
        "tenant-2",
        "grace.tang.tenant@example.com",
        "Grace Tang",
        "en",
        "上海市静安区常德路1088弄静安花园5号楼702室",
        31.2273,
        121.4466,
        "117.136.9.240",
    ),
    Newcomer(
        "tenant-3",
        "qian.hao.tenant@example.com",
        "钱浩",
        "zh-hans",
        "上海市静安区常德路1088弄静安花园1号楼305室",
        31.2269,
        121.4459,
        "223.104.5.66",
    ),
)

# Followers of the influencer who came from her notes on Xiaohongshu.
FOLLOWERS = (
    Newcomer(
        "follower-1",
        "xu.jing.follower@example.com",
        "许静",
        "zh-hans",
        "上海市静安区愚园路395号6楼601室",
        31.2222,
        121.4391,
        "183.193.20.5",
    ),
    Newcomer(
        "follower-2",
        "chloe.lin.follower@example.com",
        "Chloe Lin",
        "en",
        "上海市静安区南京西路1601号20楼2003室",
        31.2248,
        121.4503,
        "112.65.48.200",
    ),
)

# Generated customers in Shanghai use the season's code if one lives near a
# listing; these step in when none does (a small demo).
SPARE_SHOPPERS = (
    Newcomer(
        "spare-1",
        "ma.li.shopper@example.com",
        "马丽",
        "zh-hans",
        "上海市静安区新闸路1124号9楼902室",
        31.2366,
        121.4525,
        "61.152.1.19",
    ),
    Newcomer(
        "spare-2",
        "jason.wu.shopper@example.com",
        "Jason Wu",
        "en",
        "上海市静安区威海路590号15楼1501室",
        31.2288,
        121.4591,
        "116.231.18.94",
    ),
    Newcomer(
        "spare-3",
        "gao.yun.shopper@example.com",
        "高云",
        "zh-hans",
        "上海市静安区石门二路258号4楼401室",
        31.2339,
        121.4588,
        "58.33.140.7",
    ),
    Newcomer(
        "spare-4",
        "zheng.wei.shopper@example.com",
        "郑伟",
        "zh-hans",
        "上海市静安区江宁路445号7楼702室",
        31.2347,
        121.4489,
        "116.226.3.150",
    ),
)

PAUSE_REASON = (
    "Lantern Festival week is over; paused rather than ended so it can run "
    "again next year."
)
GOODWILL_REF = "welcome-gift-last-year"
