"""Referral fraud checks: the figures on the labelled corpus, each reason on
its own, the window, and properties of the score (Hypothesis).

Pure: no database. The corpus was written before the rules by the same
engineer, so its figures are optimistic (see bench/README.md).
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.growth.fraud import (
    LOOKBACK,
    QUARANTINE_SCORE,
    VELOCITY_PER_30_DAYS,
    VELOCITY_PER_DAY,
    Assessment,
    Party,
    Reason,
    ReferralCase,
    _velocity_exceeded_anywhere,
    assess,
    velocity_exceeded,
)
from doorstep.growth.tests.fraud_corpus import CASES, FRAUD, HONEST, NOW

# The corpus cases the rules get wrong, each a decision (bench/README.md):
# fraud that looks exactly like an honest referral, and honest referrals that
# carry near-proof evidence. A new miss fails the test; fixing one does not.
KNOWN_MISSES = {
    # a second account at home with a real full-price order: households are
    # paid (fraud.py's docstring), so this one is paid too
    "household-fake-account-normal-order",
    # fully fresh identities dripped under the velocity limit; only the order
    # shape (instant, tiny) shows, and that alone is not enough
    "slow-drip-fresh-identities-tiny-orders",
    # a provider's invented customer paying full price: nothing but the
    # provider serving it, which honest providers' clients do too
    "provider-fake-customer-full-price",
    # honest, but a shared device, a shared card, a viral day: the evidence
    # that catches self-referral and bursts; ops release these
    "household-shared-laptop-browser",
    "household-joint-card",
    "velocity-influencer-viral-day",
}
RECALL_FLOOR = 0.85
PRECISION_FLOOR = 0.85
FALSE_POSITIVE_RATE_CEILING = 0.10


def _confusion() -> dict[str, list[str]]:
    cells: dict[str, list[str]] = {"tp": [], "fn": [], "fp": [], "tn": []}
    for labelled in CASES:
        held = assess(labelled.case, now=NOW).quarantined
        fraud = labelled.label == FRAUD
        cell = ("tp" if held else "fn") if fraud else ("fp" if held else "tn")
        cells[cell].append(labelled.id)
    return cells


# --- the corpus ------------------------------------------------------------


def test_corpus_is_large_adversarial_and_well_formed():
    ids = [c.id for c in CASES]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)
    assert {c.label for c in CASES} == {FRAUD, HONEST}
    # every family but the all-fraud loop family has honest lookalikes
    families = {c.family for c in CASES}
    for family in families:
        labels = {c.label for c in CASES if c.family == family}
        assert HONEST in labels or family == "loop", family


def test_corpus_figures_meet_their_floors():
    # given the labelled corpus, when every referral is assessed at NOW
    cells = _confusion()
    tp, fn, fp, tn = (len(cells[k]) for k in ("tp", "fn", "fp", "tn"))

    # then recall, precision and false-positive rate hold their floors
    recall = tp / (tp + fn)
    precision = tp / (tp + fp)
    false_positive_rate = fp / (fp + tn)
    assert recall >= RECALL_FLOOR, cells["fn"]
    assert precision >= PRECISION_FLOOR, cells["fp"]
    assert false_positive_rate <= FALSE_POSITIVE_RATE_CEILING, cells["fp"]


def test_only_the_known_cases_are_misjudged():
    cells = _confusion()
    assert set(cells["fn"]) | set(cells["fp"]) <= KNOWN_MISSES


# --- one reason at a time --------------------------------------------------


def _party(user_id: int, **fields) -> Party:
    return Party(user_id=user_id, joined_at=NOW - timedelta(days=200), **fields)


def _case(inviter: Party | None = None, invitee: Party | None = None, **fields):
    invitee = invitee or Party(user_id=2, joined_at=NOW - timedelta(days=5))
    defaults = {
        "signed_up_at": invitee.joined_at,
        "first_order_at": invitee.joined_at + timedelta(days=2),
        "first_order_amount": 20_000,
        "first_order_provider_user_id": 99,
        "typical_order_amount": 20_000,
        "inviter_recent_signups": (invitee.joined_at,),
    }
    return ReferralCase(
        inviter=inviter or _party(1), invitee=invitee, **(defaults | fields)
    )


def _invitee(**fields) -> Party:
    return Party(user_id=2, joined_at=NOW - timedelta(days=5), **fields)


def test_nothing_shared_and_a_normal_order_scores_nothing():
    assert assess(_case(), now=NOW) == Assessment(score=0, reasons=())


def test_a_shared_card_alone_quarantines():
    result = assess(
        _case(_party(1, cards=frozenset({"c"})), _invitee(cards=frozenset({"c"}))),
        now=NOW,
    )
    assert result.reasons == (Reason.SHARED_CARD,)
    assert result.quarantined


def test_a_shared_device_alone_quarantines():
    result = assess(
        _case(_party(1, devices=frozenset({"d"})), _invitee(devices=frozenset({"d"}))),
        now=NOW,
    )
    assert result.reasons == (Reason.SHARED_DEVICE,)
    assert result.quarantined


def test_a_shared_phone_alone_quarantines():
    result = assess(
        _case(_party(1, phones=frozenset({"p"})), _invitee(phones=frozenset({"p"}))),
        now=NOW,
    )
    assert result.reasons == (Reason.SHARED_PHONE,)
    assert result.quarantined


def test_two_of_card_device_phone_are_one_person():
    shared = {"cards": frozenset({"c"}), "devices": frozenset({"d"})}
    result = assess(_case(_party(1, **shared), _invitee(**shared)), now=NOW)
    assert result.score == 100
    assert result.reasons[0] == Reason.SELF_REFERRAL


def test_the_same_account_on_both_sides_is_self_referral():
    result = assess(_case(invitee=_party(1)), now=NOW)
    assert result.reasons[0] == Reason.SELF_REFERRAL
    assert result.score == 100


def test_a_household_is_paid_with_its_reasons_recorded():
    # given a wife and her husband: one flat, one home Wi-Fi, nothing else
    home = {"addresses": frozenset({"flat"}), "networks": frozenset({"wifi"})}
    # when the reward falls due after a normal order
    result = assess(_case(_party(1, **home), _invitee(**home)), now=NOW)
    # then it is paid, and the evidence is kept for ops
    assert not result.quarantined
    assert result.reasons == (Reason.SHARED_ADDRESS, Reason.SHARED_NETWORK)
    assert result.score == 25


def test_a_network_alone_is_weak():
    net = frozenset({"office"})
    result = assess(_case(_party(1, networks=net), _invitee(networks=net)), now=NOW)
    assert result.reasons == (Reason.SHARED_NETWORK,)
    assert result.score == 15


def test_a_carrier_network_is_no_evidence_when_either_side_marks_it():
    net = frozenset({"china-mobile-4g"})
    inviter = _party(1, networks=net, carrier_networks=net)
    invitee = _invitee(networks=net)
    assert assess(_case(inviter, invitee), now=NOW).reasons == ()


def test_velocity_over_the_daily_limit_quarantines():
    burst = tuple(NOW - timedelta(days=3, minutes=10 * i) for i in range(6))
    result = assess(_case(inviter_recent_signups=burst), now=NOW)
    assert result.reasons == (Reason.VELOCITY,)
    assert result.quarantined


def test_a_burst_after_this_sign_up_marks_it_too():
    # given an invitee who signed up first, before 29 more that hour
    invitee = _invitee()
    burst = tuple(invitee.joined_at + timedelta(minutes=2 * i) for i in range(30))
    # when its reward falls due
    result = assess(_case(invitee=invitee, inviter_recent_signups=burst), now=NOW)
    # then the burst counts against it
    assert Reason.VELOCITY in result.reasons


def test_velocity_limits():
    day = [NOW - timedelta(hours=h) for h in range(VELOCITY_PER_DAY)]
    assert not velocity_exceeded(day, now=NOW)
    assert velocity_exceeded([*day, NOW - timedelta(hours=23)], now=NOW)
    # sign-ups exactly a day old, or after now, are not counted
    assert not velocity_exceeded([*day, NOW - timedelta(days=1)], now=NOW)
    assert not velocity_exceeded([*day, NOW + timedelta(minutes=1)], now=NOW)
    month = [NOW - timedelta(days=1.4 * i) for i in range(VELOCITY_PER_30_DAYS)]
    assert not velocity_exceeded(month, now=NOW)
    assert velocity_exceeded([*month, NOW - timedelta(days=29)], now=NOW)


def _others(n: int, **fields) -> tuple[Party, ...]:
    return tuple(
        Party(user_id=100 + i, joined_at=NOW - timedelta(days=10 + i), **fields)
        for i in range(n)
    )


def test_a_card_shared_with_another_invitee_is_a_farm():
    card = frozenset({"prepaid"})
    result = assess(
        _case(invitee=_invitee(cards=card), other_invitees=_others(1, cards=card)),
        now=NOW,
    )
    assert result.reasons == (Reason.FARM,)
    assert result.quarantined


def test_a_device_shared_with_one_other_invitee_is_weak_with_two_a_farm():
    # a family tablet shared by two grandparents is paid; an emulator host is not
    tablet = frozenset({"tablet"})
    one = assess(
        _case(
            invitee=_invitee(devices=tablet), other_invitees=_others(1, devices=tablet)
        ),
        now=NOW,
    )
    two = assess(
        _case(
            invitee=_invitee(devices=tablet), other_invitees=_others(2, devices=tablet)
        ),
        now=NOW,
    )
    assert one.reasons == two.reasons == (Reason.FARM,)
    assert not one.quarantined
    assert two.quarantined


def test_an_address_farm_needs_several_invitees():
    flat = frozenset({"flat"})
    scores = [
        assess(
            _case(
                invitee=_invitee(addresses=flat),
                other_invitees=_others(n, addresses=flat),
            ),
            now=NOW,
        ).score
        for n in (2, 3, 5)
    ]
    assert scores == [0, 35, 50]


def test_a_loop_quarantines():
    result = assess(_case(invitee_inviter_ids=frozenset({1})), now=NOW)
    assert result.reasons == (Reason.LOOP,)
    assert result.quarantined


def test_collusion_is_the_inviter_or_its_invitee_serving_the_order():
    by_inviter = assess(_case(first_order_provider_user_id=1), now=NOW)
    by_its_provider = assess(
        _case(first_order_provider_user_id=100, other_invitees=_others(1)), now=NOW
    )
    inviter_as_customer = assess(_case(first_order_customer_user_id=1), now=NOW)
    # the invitee ordering its own first order is no collusion, even when the
    # caller lists it among the inviter's invitees
    own_order = assess(
        _case(first_order_customer_user_id=2, other_invitees=(_invitee(),)), now=NOW
    )
    assert own_order.reasons == ()
    for result in (by_inviter, by_its_provider, inviter_as_customer):
        assert result.reasons == (Reason.COLLUSION,)
        # a provider's own client at full price is paid
        assert not result.quarantined


def test_order_shape_reasons():
    invitee = _invitee()
    instant = assess(
        _case(first_order_at=invitee.joined_at + timedelta(minutes=30)), now=NOW
    )
    tiny = assess(_case(first_order_amount=5_999, typical_order_amount=20_000), now=NOW)
    not_tiny = assess(
        _case(first_order_amount=6_000, typical_order_amount=20_000), now=NOW
    )
    unknown_typical = assess(
        _case(first_order_amount=100, typical_order_amount=0), now=NOW
    )
    no_order = assess(_case(first_order_at=None, first_order_amount=0), now=NOW)
    assert instant.reasons == (Reason.INSTANT_ORDER,)
    assert tiny.reasons == (Reason.TINY_ORDER,)
    assert not_tiny.reasons == unknown_typical.reasons == no_order.reasons == ()
    # together with a new inviter, the shape of a throwaway pair
    fresh_pair = assess(
        _case(
            inviter=Party(user_id=1, joined_at=invitee.joined_at - timedelta(hours=2)),
            first_order_at=invitee.joined_at + timedelta(minutes=3),
            first_order_amount=100,
        ),
        now=NOW,
    )
    assert fresh_pair.reasons == (
        Reason.TINY_ORDER,
        Reason.INSTANT_ORDER,
        Reason.NEW_INVITER,
    )
    assert fresh_pair.quarantined


def test_a_disposable_email_domain():
    result = assess(_case(invitee=_invitee(email_domain="mailinator.com")), now=NOW)
    assert result.reasons == (Reason.DISPOSABLE_EMAIL,)
    assert assess(_case(invitee=_invitee(email_domain="qq.com")), now=NOW).reasons == ()


def test_reasons_are_strongest_first_and_every_reason_has_a_label():
    shared = {
        "cards": frozenset({"c"}),
        "addresses": frozenset({"a"}),
        "networks": frozenset({"n"}),
    }
    result = assess(_case(_party(1, **shared), _invitee(**shared)), now=NOW)
    assert result.reasons == (
        Reason.SHARED_CARD,
        Reason.SHARED_ADDRESS,
        Reason.SHARED_NETWORK,
    )
    assert [p for _, p in result.points] == [70, 20, 5]
    for reason in Reason:
        assert str(reason.label)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 60 * 24 * 40), max_size=40))
def test_velocity_anywhere_is_the_limit_checked_at_every_sign_up(minutes):
    signups = [NOW - timedelta(minutes=m) for m in minutes]
    expected = any(velocity_exceeded(signups, now=t) for t in [*signups, NOW])
    assert _velocity_exceeded_anywhere(signups, now=NOW) == expected


# --- the window --------------------------------------------------------------


def test_identifiers_last_seen_before_the_window_are_not_shared():
    # given a phone sold on: last seen on the inviter's account 14 months ago
    old = NOW - timedelta(days=420)
    phone = frozenset({"iphone-11"})
    inviter = _party(1, devices=phone, last_seen=(("iphone-11", old),))
    invitee = _invitee(devices=phone)
    # then it is not evidence, unless the window reaches back that far
    assert assess(_case(inviter, invitee), now=NOW).reasons == ()
    assert assess(
        _case(inviter, invitee), now=NOW, window=timedelta(days=500)
    ).reasons == (Reason.SHARED_DEVICE,)


def test_a_card_counts_however_long_ago_it_was_seen():
    card = frozenset({"old-card"})
    inviter = _party(
        1, cards=card, last_seen=(("old-card", NOW - timedelta(days=900)),)
    )
    result = assess(_case(inviter, _invitee(cards=card)), now=NOW)
    assert result.reasons == (Reason.SHARED_CARD,)


def test_sign_ups_and_invitees_before_the_window_are_not_counted():
    long_ago = NOW - LOOKBACK - timedelta(days=1)
    burst = tuple(long_ago - timedelta(minutes=i) for i in range(30))
    old_farm = tuple(
        Party(user_id=100 + i, joined_at=long_ago, cards=frozenset({"c"}))
        for i in range(3)
    )
    result = assess(
        _case(
            invitee=_invitee(cards=frozenset({"c"})),
            inviter_recent_signups=burst,
            other_invitees=old_farm,
        ),
        now=NOW,
    )
    assert result.reasons == ()


# --- properties ------------------------------------------------------------

_START = NOW - timedelta(days=400)
_times = st.datetimes(
    min_value=_START.replace(tzinfo=None),
    max_value=NOW.replace(tzinfo=None),
    timezones=st.just(UTC),
)
_identifiers = st.frozensets(st.sampled_from(["a", "b", "c", "d"]), max_size=3)


@st.composite
def _parties(draw, user_id: int) -> Party:
    networks = draw(_identifiers)
    return Party(
        user_id=user_id,
        joined_at=draw(_times),
        is_provider=draw(st.booleans()),
        devices=draw(_identifiers),
        phones=draw(_identifiers),
        cards=draw(_identifiers),
        addresses=draw(_identifiers),
        networks=networks,
        carrier_networks=draw(
            st.frozensets(st.sampled_from(sorted(networks) or ["z"]))
        ),
        email_domain=draw(st.sampled_from(["", "qq.com", "gmail.com", "yopmail.com"])),
        last_seen=tuple(
            draw(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), _times)))
        ),
    )


@st.composite
def _cases(draw) -> ReferralCase:
    invitee = draw(_parties(2))
    ordered = draw(st.booleans())
    return ReferralCase(
        inviter=draw(_parties(1)),
        invitee=invitee,
        signed_up_at=invitee.joined_at,
        first_order_at=(
            invitee.joined_at + draw(st.timedeltas(timedelta(0), timedelta(days=20)))
            if ordered
            else None
        ),
        first_order_amount=draw(st.integers(0, 100_000)) if ordered else 0,
        first_order_provider_user_id=draw(st.sampled_from([None, 1, 100, 999])),
        typical_order_amount=draw(st.integers(0, 100_000)),
        inviter_recent_signups=tuple(draw(st.lists(_times, max_size=30))),
        other_invitees=tuple(
            draw(st.lists(_parties(100), max_size=4, unique_by=lambda p: p.joined_at))
        ),
        invitee_inviter_ids=draw(st.frozensets(st.sampled_from([1, 5]))),
        first_order_customer_user_id=draw(st.sampled_from([None, 1, 7])),
    )


@settings(max_examples=300, deadline=None)
@given(_cases())
def test_the_score_is_within_0_and_100_and_the_reasons_strongest_first(case):
    result = assess(case, now=NOW)
    assert 0 <= result.score <= 100
    assert len(set(result.reasons)) == len(result.reasons)
    assert [r for r, _ in result.points] == list(result.reasons)
    added = [p for _, p in result.points]
    assert added == sorted(added, reverse=True)
    assert result.score == min(100, sum(added))
    assert result.quarantined == (result.score >= QUARANTINE_SCORE)


@settings(max_examples=300, deadline=None)
@given(
    _cases(),
    st.sampled_from(["cards", "devices", "phones", "addresses", "networks"]),
)
def test_adding_shared_evidence_never_lowers_the_score(case, kind):
    # given any referral, when both sides gain one more identical identifier
    def more(party: Party) -> Party:
        return replace(party, **{kind: getattr(party, kind) | {"new-shared"}})

    richer = replace(case, inviter=more(case.inviter), invitee=more(case.invitee))

    # then the score does not fall
    assert assess(richer, now=NOW).score >= assess(case, now=NOW).score


@settings(max_examples=300, deadline=None)
@given(_cases())
def test_adding_a_shared_card_never_lowers_the_score_and_quarantines(case):
    def with_card(party: Party) -> Party:
        return replace(party, cards=party.cards | {"shared-card"})

    richer = replace(
        case, inviter=with_card(case.inviter), invitee=with_card(case.invitee)
    )
    assert assess(richer, now=NOW).score >= assess(case, now=NOW).score
    assert assess(richer, now=NOW).quarantined


@st.composite
def _clean_cases(draw) -> ReferralCase:
    """A referral with no shared signal that counts and a normal order: any
    identifiers the two share are stale (seen before the window) or a
    carrier's; the order is ordinary; the code is under its limits."""
    stale = NOW - LOOKBACK - timedelta(days=draw(st.integers(1, 500)))
    shared = draw(_identifiers)
    carrier = draw(st.frozensets(st.sampled_from(["cmcc", "csl"])))
    inviter_own = draw(_identifiers)
    joined = NOW - timedelta(days=draw(st.integers(2, 80)))
    inviter = Party(
        user_id=1,
        joined_at=joined - timedelta(days=draw(st.integers(2, 900))),
        devices=frozenset(f"inviter-{x}" for x in inviter_own) | shared,
        phones=shared,
        addresses=shared,
        networks=shared | carrier,
        carrier_networks=carrier,
        cards=frozenset(f"inviter-card-{x}" for x in inviter_own),
        last_seen=tuple((x, stale) for x in shared),
    )
    invitee = Party(
        user_id=2,
        joined_at=joined,
        devices=shared | frozenset(f"invitee-{x}" for x in draw(_identifiers)),
        phones=shared,
        addresses=shared,
        networks=shared | carrier,
        cards=frozenset(f"invitee-card-{x}" for x in draw(_identifiers)),
        email_domain=draw(st.sampled_from(["", "qq.com", "163.com", "gmail.com"])),
    )
    typical = draw(st.integers(0, 100_000))
    spacing = timedelta(days=draw(st.integers(2, 10)))
    return ReferralCase(
        inviter=inviter,
        invitee=invitee,
        signed_up_at=joined,
        first_order_at=joined + timedelta(minutes=draw(st.integers(31, 20_000))),
        first_order_amount=draw(st.integers(typical * 3 // 10 + 1, 200_000)),
        first_order_provider_user_id=draw(st.sampled_from([None, 500, 501])),
        typical_order_amount=typical,
        inviter_recent_signups=tuple(
            joined - i * spacing for i in range(draw(st.integers(1, 5)))
        ),
    )


@settings(max_examples=300, deadline=None)
@given(_clean_cases())
def test_no_shared_signal_and_a_normal_order_is_never_quarantined(case):
    result = assess(case, now=NOW)
    assert not result.quarantined
    assert result.reasons == ()


@settings(max_examples=200, deadline=None)
@given(_clean_cases(), st.booleans(), st.booleans())
def test_a_household_alone_is_never_quarantined(case, address, network):
    # given a clean referral, when the two share a home address and/or Wi-Fi
    home = {}
    if address:
        home["addresses"] = frozenset({"home"})
    if network:
        home["networks"] = frozenset({"home-wifi"})

    def at_home(party: Party) -> Party:
        return replace(party, **{k: getattr(party, k) | v for k, v in home.items()})

    result = assess(
        replace(case, inviter=at_home(case.inviter), invitee=at_home(case.invitee)),
        now=NOW,
    )
    # then it is paid
    assert not result.quarantined


def test_assess_reads_its_now_not_the_clock():
    case = CASES[0].case
    a = assess(case, now=NOW)
    b = assess(case, now=datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert a == b
