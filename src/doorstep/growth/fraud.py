"""Referral fraud checks (issue 15): is a referral whose reward falls due
paid at once, or held in quarantine for ops to review?

The caller (the growth app) gathers the evidence from the database — sightings
of devices and networks, phone numbers, card fingerprints, saved and service
addresses, the sign-ups through the inviter's code — as keyed hashes, builds a
``ReferralCase`` and calls ``assess``. This module only compares; it never
reads the database, so the labelled corpus in ``tests/fraud_corpus.py`` can
measure the rules directly (``bench/referral_fraud.py`` prints the figures).

How a score is made. Each piece of evidence found adds its points (the
``WEIGHTS``); the score is their sum, capped at 100, and ``QUARANTINE_SCORE``
(50) or more holds the reward for ops. The reasons are recorded strongest
first, with the points each one added, so ops see why.

- Near-proof on its own (quarantine alone): the inviter and invitee share a
  payment card (70) or a device (65) or a phone number (60); two of those
  three together are one person (``SELF_REFERRAL``, 100); the invitee referred
  the inviter back (``LOOP``, 80); sign-ups through the code over the hard
  velocity limit (``VELOCITY``, 50); invitees alike each other (``FARM``, up
  to 50).
- Weak, common among honest people, never enough alone: one address (20),
  one network (15; 5 when the address is shared too: it is the same household
  told twice), the inviter served the invitee's qualifying order
  (``COLLUSION``, 30), an order within 30 minutes of sign-up (15), an order
  under 30% of the typical one (20), an inviter who joined less than a day
  before the invitee (15), a disposable e-mail domain (20).

**Households are paid.** A wife referring her husband shares the address and
the Wi-Fi: 25 points, paid without review, the reasons recorded. That is a
decision, measured on the corpus: if address or network evidence alone
quarantined, 13 honest referrals there (couples, a mother and daughter,
flatmates, room-mates, a dorm, offices, a café, neighbours; 15–45 points) would
wait for ops, to catch one more fraud (a second account at home with fresh
phone, device and card and a real full-price order,
``household-fake-account-normal-order``), which costs one reward and brings a
paying order. A household referral is held only when something else joins
it: a tiny or instant order, a shared device or card, a farm.
``bench/referral_fraud.py`` prints what each threshold would catch and hold.

**What "network" means.** A hash of the /24 (IPv4) or /48 (IPv6) the account
was seen on at sign-up, sign-in and checkout. A home broadband /24 holds a
household and its neighbours on the same ISP; an office or campus /24 holds
hundreds of people; a mobile carrier's (carrier-grade NAT) holds thousands of
strangers. So networks are weak evidence everywhere, and those the caller marks
as a carrier's, CGNAT or public Wi-Fi (``Party.carrier_networks``, by ASN) are
not evidence at all. VPNs defeat network checks entirely, which is why no rule
leans on networks alone.

**Time.** Evidence is compared only within ``window`` (``LOOKBACK``, 90 days
before ``now``): sign-ups through the code, the other invitees (by when they
joined), and devices, phones, addresses and networks by when each account last
saw them (``Party.last_seen``; an identifier without a time counts as current).
Those pass between honest people: phones are sold second hand, numbers
recycled by carriers, flats re-let, IP ranges re-assigned. Card fingerprints
are compared over all time: a card does not change owner, and an old card dug
out of a drawer is a known way to look unconnected.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LOOKBACK = timedelta(days=90)
QUARANTINE_SCORE = 50

# The hard velocity limit (``velocity_exceeded``): sign-ups through one code.
VELOCITY_PER_DAY = 5
VELOCITY_PER_30_DAYS = 20
# An order this soon after sign-up was placed by someone who came to order.
INSTANT_ORDER_WITHIN = timedelta(minutes=30)
# An order under this share of the typical one (percent) is a token order.
TINY_ORDER_PERCENT = 30
# An inviter this new had no life on the platform before inviting.
NEW_INVITER_WITHIN = timedelta(days=1)
# Invitees alike each other: (identifier, how many of the inviter's other
# invitees share one with this invitee, points). Set against honest groups: two
# grandparents on one family tablet (one other on a device: 30, paid), a family
# of four or three cousins at one flat (two others on an address: nothing), six
# colleagues on one office network (15). A card shared with any other invitee
# is strong: cards are personal.
FARM_TIERS: tuple[tuple[str, int, int], ...] = (
    ("cards", 1, 50),
    ("devices", 2, 50),
    ("phones", 2, 50),
    ("addresses", 5, 50),
    ("addresses", 3, 35),
    ("devices", 1, 30),
    ("phones", 1, 30),
    ("networks", 9, 25),
    ("networks", 4, 15),
)

# Throwaway mailboxes; short on purpose (the caller may pass more through
# ``assess(disposable_domains=...)``). Webmail (qq.com, 163.com, gmail.com) is
# not evidence: hundreds of millions of honest people use it.
DISPOSABLE_EMAIL_DOMAINS = frozenset(
    {
        "mailinator.com",
        "guerrillamail.com",
        "sharklasers.com",
        "10minutemail.com",
        "yopmail.com",
        "temp-mail.org",
        "trashmail.com",
        "getnada.com",
        "dispostable.com",
        "maildrop.cc",
    }
)


@dataclass(frozen=True)
class Party:
    """One account in a referral, as keyed hashes (never raw values)."""

    user_id: int
    joined_at: datetime
    is_provider: bool = False
    # device cookie / app device id hashes seen on the account
    devices: frozenset[str] = frozenset()
    # E.164 phone hashes
    phones: frozenset[str] = frozenset()
    # payment card fingerprint hashes
    cards: frozenset[str] = frozenset()
    # normalised street address hashes (service addresses, saved addresses),
    # the flat or room number included when there is one
    addresses: frozenset[str] = frozenset()
    # IP network hashes (/24 IPv4, /48 IPv6) seen on sign-up, login and checkout
    networks: frozenset[str] = frozenset()
    # lower-case domain of the e-mail, "" when none
    email_domain: str = ""
    # The subset of ``networks`` the caller classified (by ASN at collection
    # time) as a mobile carrier's, carrier-grade NAT or public Wi-Fi: thousands
    # of strangers share each of them, so they are not evidence.
    carrier_networks: frozenset[str] = frozenset()
    # When each identifier (of any kind above) was last seen on this account;
    # an identifier not listed counts as seen now. Devices are sold on, phone
    # numbers recycled, flats re-let and addresses re-assigned: an identifier
    # two accounts held years apart is not a shared one.
    last_seen: tuple[tuple[str, datetime], ...] = ()


@dataclass(frozen=True)
class ReferralCase:
    """A referral to judge when its reward falls due."""

    inviter: Party
    invitee: Party
    # the invitee's sign-up through the code
    signed_up_at: datetime
    # the invitee's first paid order (the one that qualifies)
    first_order_at: datetime | None = None
    # in minor units
    first_order_amount: int = 0
    # who served it
    first_order_provider_user_id: int | None = None
    # the median order in that category and city, minor units (0 unknown)
    typical_order_amount: int = 0
    # sign-ups through the inviter's code (all, incl. this one)
    inviter_recent_signups: tuple[datetime, ...] = ()
    # the inviter's other invitees (to find farms: invitees alike each other)
    other_invitees: tuple[Party, ...] = ()
    # accounts the invitee itself referred (A->B->A loops)
    invitee_inviter_ids: frozenset[int] = frozenset()
    # Who ordered the qualifying order: the invitee itself for a customer
    # invitee; for a provider invitee, the customer of the job that qualified
    # it (None when unknown).
    first_order_customer_user_id: int | None = None


class Reason(StrEnum):
    """One piece of evidence; stored on the referral (``Referral.reasons``)."""

    SELF_REFERRAL = "self_referral"
    SHARED_CARD = "shared_card"
    SHARED_DEVICE = "shared_device"
    SHARED_PHONE = "shared_phone"
    SHARED_ADDRESS = "shared_address"
    SHARED_NETWORK = "shared_network"
    VELOCITY = "velocity"
    FARM = "farm"
    LOOP = "loop"
    COLLUSION = "collusion"
    INSTANT_ORDER = "instant_order"
    TINY_ORDER = "tiny_order"
    NEW_INVITER = "new_inviter"
    DISPOSABLE_EMAIL = "disposable_email"

    @property
    def label(self) -> Promise:
        return _REASON_LABELS[self]


_REASON_LABELS: dict[Reason, Promise] = {
    Reason.SELF_REFERRAL: _("Inviter and invitee look like one person"),
    Reason.SHARED_CARD: _("Same payment card as the inviter"),
    Reason.SHARED_DEVICE: _("Same device as the inviter"),
    Reason.SHARED_PHONE: _("Same phone number as the inviter"),
    Reason.SHARED_ADDRESS: _("Same address as the inviter"),
    Reason.SHARED_NETWORK: _("Same home or office network as the inviter"),
    Reason.VELOCITY: _("Too many sign-ups through the inviter's code"),
    Reason.FARM: _("Invitee shares details with the inviter's other invitees"),
    Reason.LOOP: _("Invitee referred the inviter"),
    Reason.COLLUSION: _("Qualifying order served by the inviter or their invitee"),
    Reason.INSTANT_ORDER: _("First order within minutes of sign-up"),
    Reason.TINY_ORDER: _("First order far below the usual amount"),
    Reason.NEW_INVITER: _("Inviter joined just before the invitee"),
    Reason.DISPOSABLE_EMAIL: _("Disposable e-mail address"),
}

# Points each reason adds. SHARED_NETWORK adds NETWORK_WITH_ADDRESS instead
# when the address is shared too; FARM adds what its tier gives (FARM_TIERS),
# at most WEIGHTS[FARM].
WEIGHTS: dict[Reason, int] = {
    Reason.SELF_REFERRAL: 100,
    Reason.LOOP: 80,
    Reason.SHARED_CARD: 70,
    Reason.SHARED_DEVICE: 65,
    Reason.SHARED_PHONE: 60,
    Reason.VELOCITY: 50,
    Reason.FARM: 50,
    Reason.COLLUSION: 30,
    Reason.SHARED_ADDRESS: 20,
    Reason.TINY_ORDER: 20,
    Reason.DISPOSABLE_EMAIL: 20,
    Reason.SHARED_NETWORK: 15,
    Reason.INSTANT_ORDER: 15,
    Reason.NEW_INVITER: 15,
}
NETWORK_WITH_ADDRESS = 5


@dataclass(frozen=True)
class Assessment:
    score: int  # 0..100
    reasons: tuple[Reason, ...]  # the evidence, strongest first
    # What each reason added, in the order of ``reasons`` (before the cap).
    points: tuple[tuple[Reason, int], ...] = ()

    @property
    def quarantined(self) -> bool:
        return self.score >= QUARANTINE_SCORE


def velocity_exceeded(signups: Sequence[datetime], *, now: datetime) -> bool:
    """Whether sign-ups through one code are over the hard limit at ``now``:
    more than ``VELOCITY_PER_DAY`` in the 24 hours up to ``now``, or more than
    ``VELOCITY_PER_30_DAYS`` in the 30 days up to ``now`` (sign-ups after
    ``now`` are not counted).

    Why: a gang cashing a referral programme needs volume, and volume through
    one code is the one thing it cannot hide (Pinduoduo lost tens of millions
    of yuan to coupon gangs in a single night). The limits sit above what an
    honest person sees from friends and family, and above a steady blogger; a
    viral day does cross them, and its referrals then wait for ops. At sign-up
    time the caller asks this with the code's sign-ups so far; ``assess`` asks
    it at every sign-up in its window, so the early members of a burst are
    held too once the burst is visible.
    """
    day = sum(1 for t in signups if now - timedelta(days=1) < t <= now)
    if day > VELOCITY_PER_DAY:
        return True
    month = sum(1 for t in signups if now - timedelta(days=30) < t <= now)
    return month > VELOCITY_PER_30_DAYS


def assess(
    case: ReferralCase,
    *,
    now: datetime,
    window: timedelta = LOOKBACK,
    disposable_domains: frozenset[str] = DISPOSABLE_EMAIL_DOMAINS,
) -> Assessment:
    """Score a referral whose reward falls due at ``now`` (see the module
    docstring for the weights and why). Pure: reads nothing but ``case``."""
    since = now - window
    inviter, invitee = case.inviter, case.invitee
    points: dict[Reason, int] = {}

    shared_card = bool(_shared(inviter, invitee, "cards", since))
    shared_device = bool(_shared(inviter, invitee, "devices", since))
    shared_phone = bool(_shared(inviter, invitee, "phones", since))
    shared_address = bool(_shared(inviter, invitee, "addresses", since))
    shared_network = bool(_shared(inviter, invitee, "networks", since))

    # Cards, devices and phone numbers are personal: one of them shared is
    # near-proof (a fresh phone and a new SIM cost little, a second card that
    # passes checks costs more, so the card is what self-referrers reuse); two
    # of them are one person with two accounts.
    if inviter.user_id == invitee.user_id or (
        shared_card + shared_device + shared_phone >= 2
    ):
        points[Reason.SELF_REFERRAL] = WEIGHTS[Reason.SELF_REFERRAL]
    for reason, found in [
        (Reason.SHARED_CARD, shared_card),
        (Reason.SHARED_DEVICE, shared_device),
        (Reason.SHARED_PHONE, shared_phone),
        (Reason.SHARED_ADDRESS, shared_address),
    ]:
        if found:
            points[reason] = WEIGHTS[reason]
    # An address or a network is a household, a building, an office: weak,
    # and the two together are still one household, not two clues.
    if shared_network:
        points[Reason.SHARED_NETWORK] = (
            NETWORK_WITH_ADDRESS if shared_address else WEIGHTS[Reason.SHARED_NETWORK]
        )

    # Volume through one code is what a gang cannot hide (velocity_exceeded).
    signups = [t for t in case.inviter_recent_signups if since <= t <= now]
    if _velocity_exceeded_anywhere(signups, now=now):
        points[Reason.VELOCITY] = WEIGHTS[Reason.VELOCITY]

    others = [
        p
        for p in case.other_invitees
        if p.user_id != invitee.user_id and since <= p.joined_at <= now
    ]
    farm = _farm_points(invitee, others, since)
    if farm:
        points[Reason.FARM] = farm

    # A->B->A: the invitee existed before the inviter it referred, yet joined
    # through that inviter's code; only re-made accounts do that, each side
    # cashing twice.
    if inviter.user_id in case.invitee_inviter_ids:
        points[Reason.LOOP] = WEIGHTS[Reason.LOOP]

    # The inviter (or someone else it brought in, however long ago) served the
    # qualifying order, or was the customer of a provider invitee's: the
    # money went round in a circle (Uber China's traded driver accounts faked
    # rides this way). Also how honest providers bring their own clients, so
    # weak alone.
    ring = ({inviter.user_id} | {p.user_id for p in case.other_invitees}) - {
        invitee.user_id
    }
    if (
        case.first_order_provider_user_id in ring
        or case.first_order_customer_user_id in ring
    ):
        points[Reason.COLLUSION] = WEIGHTS[Reason.COLLUSION]

    # A qualifying order placed minutes after sign-up, or a token order far
    # below the usual, is an order made for the reward. Honest people do both
    # (a locksmith now, a trial lesson), so each is weak alone.
    if case.first_order_at is not None:
        if (
            timedelta(0)
            <= case.first_order_at - case.signed_up_at
            <= INSTANT_ORDER_WITHIN
        ):
            points[Reason.INSTANT_ORDER] = WEIGHTS[Reason.INSTANT_ORDER]
        if (
            case.typical_order_amount > 0
            and case.first_order_amount * 100
            < case.typical_order_amount * TINY_ORDER_PERCENT
        ):
            points[Reason.TINY_ORDER] = WEIGHTS[Reason.TINY_ORDER]

    # An inviter made just before its invitee was made to invite it (friends
    # joining together at dinner do this too).
    if timedelta(0) <= case.signed_up_at - inviter.joined_at < NEW_INVITER_WITHIN:
        points[Reason.NEW_INVITER] = WEIGHTS[Reason.NEW_INVITER]

    # A mailbox that lives ten minutes belongs to an account meant to.
    if invitee.email_domain and invitee.email_domain in disposable_domains:
        points[Reason.DISPOSABLE_EMAIL] = WEIGHTS[Reason.DISPOSABLE_EMAIL]

    order = list(Reason)
    ranked = sorted(points.items(), key=lambda item: (-item[1], order.index(item[0])))
    return Assessment(
        score=min(100, sum(points.values())),
        reasons=tuple(reason for reason, _ in ranked),
        points=tuple(ranked),
    )


def _held(party: Party, kind: str, since: datetime) -> frozenset[str]:
    """The identifiers of ``kind`` that count as evidence for ``party``: those
    seen since ``since``; cards whenever seen (a card does not change owner);
    networks without the party's carrier and public ones (strangers meet
    there, so a network either side marks as such is never shared)."""
    values: frozenset[str] = getattr(party, kind)
    if kind == "cards":
        return values
    seen = dict(party.last_seen)
    current = frozenset(v for v in values if seen.get(v, since) >= since)
    if kind == "networks":
        return current - party.carrier_networks
    return current


def _shared(a: Party, b: Party, kind: str, since: datetime) -> frozenset[str]:
    return _held(a, kind, since) & _held(b, kind, since)


def _velocity_exceeded_anywhere(signups: Sequence[datetime], *, now: datetime) -> bool:
    """Whether ``velocity_exceeded`` held at any sign-up in ``signups`` (or at
    ``now``): a burst marks every referral of the code inside the window, not
    only the sign-ups after the limit. Linear after sorting (a blogger's code
    may hold thousands of sign-ups); at ``now`` the counts are never higher
    than at the last sign-up, so it needs no check of its own."""
    ordered = sorted(t for t in signups if t <= now)
    for limit, span in (
        (VELOCITY_PER_DAY, timedelta(days=1)),
        (VELOCITY_PER_30_DAYS, timedelta(days=30)),
    ):
        first = 0
        for last, t in enumerate(ordered):
            while ordered[first] <= t - span:
                first += 1
            if last - first + 1 > limit:
                return True
    return False


def _farm_points(invitee: Party, others: Sequence[Party], since: datetime) -> int:
    """Points for invitees alike each other (0 when none): the most any tier
    of ``FARM_TIERS`` the invitee meets gives.

    Why: a farm rotates what is cheap to rotate — phone numbers from SMS
    platforms (接码), VPN exits, emulator ids — and repeats what is dear: the
    one card that pays, the one rooted phone, the one flat the fake jobs are
    booked to. Comparing the invitee with the inviter alone misses that, so it
    is compared with the inviter's other invitees in the window too.
    """
    sharing = {
        kind: sum(1 for other in others if _shared(invitee, other, kind, since))
        for kind in {kind for kind, _, _ in FARM_TIERS}
    }
    return max(
        (points for kind, least, points in FARM_TIERS if sharing[kind] >= least),
        default=0,
    )
