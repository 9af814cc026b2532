"""The demo's growth (issue 15): campaigns, codes, referrals and points, all
through the growth services on the moved clock (``demo.clock``), after the
marketplace's past.

- Ops (the demo's "Ops admin" login) run a referral programme per currency
  (a welcome offer on a friend's first order, credit for the inviter, a
  budget), a platform promotion "Spring clean" (a capped percentage, home
  cleaning only, for a window), a Lantern Festival code they paused, the demo
  provider login's own promotion (the provider pays for it), a partner's
  batch of 50 single-use codes for the tenants of Jing'an Gardens, and an
  influencer code owned by the demo provider login, with her share of what
  it brings in.
- The demo customer login invited friends: one ordered with the welcome
  offer and the customer was paid credit, one joined last week and has not
  ordered, one signed up on the customer's own laptop and is held for ops;
  another customer's invitee is held too. The demo provider login invited a
  provider.
- Orders use the codes at checkout before they are paid (``checkout.apply``)
  and go through the common lifecycle, so uses, redemptions and campaign
  spending are real; the periodic sweeps settle what completed orders earn
  (points, the referrals they qualify, the code owner's share) once their
  dispute window passed, day by day, and expire an old lot; the demo
  customer spends points on an upcoming booking.
- Visitors arrive through referral links, codes in links and UTM-tagged
  campaign links (the attribution middleware), sign up or sign in and so
  claim their touches; one never signs up.
"""

import hashlib
import logging
import random
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from doorstep.accounts import lifecycle
from doorstep.accounts.models import SavedAddress, User
from doorstep.accounts.services import add_address, sign_up, update_profile
from doorstep.catalog.models import Category, Listing, PricingModel
from doorstep.catalog.queries import bookable_listings
from doorstep.core.errors import DomainError
from doorstep.demo.clock import DemoClock, moved_clock
from doorstep.demo.growth_data import (
    DEMO_CUSTOMER_IP,
    FOLLOWERS,
    FRIENDS,
    GOODWILL_REF,
    PARTNER_NAME,
    PARTNER_PREFIX,
    PAUSE_REASON,
    REFERRAL_PROGRAMMES,
    SECOND_INVITEE,
    SECOND_INVITER,
    SPARE_SHOPPERS,
    TENANTS,
    Newcomer,
)
from doorstep.demo.history import (
    HISTORY_DAYS,
    TEST_CARD,
    _km,
    _quiet_settings,
    start_times,
)
from doorstep.growth import checkout, referrals, rewards, services, visitors
from doorstep.growth.models import (
    Campaign,
    CodeBatch,
    Coupon,
    Redemption,
    Referral,
    RewardLot,
    RewardMove,
    Touch,
)
from doorstep.orders.models import Order
from doorstep.orders.services import place_order, transition_order
from doorstep.orders.states import OrderState
from doorstep.payments.gateways import sandbox

logger = logging.getLogger(__name__)

SHANGHAI = "Asia/Shanghai"
SETTLE_EVERY = timedelta(days=1)
# The demo customer's device: a long-lived first-party cookie, as the
# middleware hands out (any 32 hex digits).
DEMO_CUSTOMER_DEVICE = "d0d0cafe0000demo0000customer0001"


def _device(key: str) -> str:
    """A stable visitor cookie per person of the stories."""
    return hashlib.sha256(f"doorstep-demo-growth:{key}".encode()).hexdigest()[:32]


def _price(listing: Listing) -> int:
    hourly = listing.pricing_model == PricingModel.HOURLY
    return listing.price_amount * (listing.min_hours if hourly else 1)


def _min_spend(code: str) -> int:
    """The price a code needs (a friend's code: the welcome offer's)."""
    if not code:
        return 0
    coupon = Coupon.objects.filter(code=checkout.normalise(code)).first()
    if coupon is None:
        coupon = Coupon.objects.filter(
            campaign__kind=Campaign.Kind.REFERRAL, campaign__currency="CNY"
        ).first()
    return coupon.min_spend_amount if coupon else 0


class GrowthStories:
    """Tells the growth stories on ``clock`` and counts what they made."""

    def __init__(
        self,
        *,
        logins: dict[str, User],
        rng: random.Random,
        now: datetime,
        clock: DemoClock,
    ) -> None:
        self.rng = rng
        self.now = now
        self.clock = clock
        self.ops = logins["ops"]
        self.customer = logins["customer"]
        self.provider = logins["provider"].provider_profile
        self.logins = {user.pk for user in logins.values()}
        self.requests = RequestFactory()
        self.campaigns: dict[str, Campaign] = {}
        self.codes: dict[str, Coupon] = {}
        self.people: dict[str, tuple[User, SavedAddress]] = {}
        self.stopped = 0
        self.refused_codes = 0
        self.used_generated: set[int] = set()
        self.spares = list(SPARE_SHOPPERS)
        self.home_cleaning = Category.objects.get(slug="home-cleaning")

    # -- moments

    def ago(self, days: float, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def at(self, moment: datetime) -> datetime:
        self.clock.set(moment)
        return moment

    # -- visitors, sign-up and sign-in (as the middleware and hooks see them)

    def _request(self, path: str, *, device: str, ip: str, cookies=None):
        request = self.requests.get(path, REMOTE_ADDR=ip)
        request.COOKIES[referrals.DEVICE_COOKIE] = device
        request.COOKIES.update(cookies or {})
        request.user = AnonymousUser()
        return request

    def visit(self, path: str, *, device: str, ip: str) -> None:
        """A visit through the attribution middleware (a link with a source)."""
        middleware = visitors.AttributionMiddleware(lambda request: HttpResponse())
        middleware(self._request(path, device=device, ip=ip))

    def sign_up(
        self,
        person: Newcomer,
        *,
        at: datetime,
        referral_code: str = "",
        device: str = "",
    ) -> tuple[User, SavedAddress]:
        """``person`` signs up (the accounts service and its hooks, with the
        friend's code in the cookie the referral link left) and saves their
        home."""
        from doorstep.demo.builders import DEMO_PASSWORD

        self.at(at)
        user = sign_up(
            email=person.email,
            password=DEMO_PASSWORD,
            name=person.name,
            language=person.language,
        )
        update_profile(user=user, time_zone=SHANGHAI)
        cookies = {visitors.REFERRAL_COOKIE: referral_code} if referral_code else {}
        lifecycle.signed_up(
            user=user,
            request=self._request(
                "/accounts/signup/",
                device=device or _device(person.key),
                ip=person.ip,
                cookies=cookies,
            ),
        )
        # They opened the confirmation e-mail.
        EmailAddress.objects.filter(user=user).update(verified=True)
        self.at(at + timedelta(minutes=3))
        home = add_address(
            user=user,
            label="Home",
            address=person.address,
            latitude=person.latitude,
            longitude=person.longitude,
            is_default=True,
        )
        self.people[person.key] = (user, home)
        return user, home

    def sign_in(self, user: User, *, device: str, ip: str, at: datetime) -> None:
        """A sign-in on a browser: the device is noted and its touches claimed."""
        self.at(at)
        request = self._request("/accounts/login/", device=device, ip=ip)
        visitors.on_sign_in(sender=User, request=request, user=user)

    # -- campaigns and codes

    def campaign(self, key: str, *, at: datetime, **fields) -> Campaign:
        self.at(at)
        self.campaigns[key] = services.create_campaign(user=self.ops, **fields)
        return self.campaigns[key]

    def coupon(self, key: str, campaign: Campaign, **fields) -> Coupon:
        self.codes[key] = services.create_coupon(
            user=self.ops, campaign_id=campaign.public_id, **fields
        )
        return self.codes[key]

    def set_up_campaigns(self) -> None:
        start = self.ago(HISTORY_DAYS - 1)
        for programme in REFERRAL_PROGRAMMES:
            campaign = self.campaign(
                f"referral:{programme.currency}",
                at=start,
                name=programme.name,
                kind=Campaign.Kind.REFERRAL,
                currency=programme.currency,
                budget_amount=programme.budget_amount,
                reward_amount=programme.reward_amount,
                starts_at=start,
                utm_campaign=f"invite-{programme.currency.lower()}",
            )
            self.coupon(
                f"welcome:{programme.currency}",
                campaign,
                code=programme.code,
                kind=Coupon.Kind.FIXED,
                amount=programme.welcome_amount,
                min_spend_amount=programme.min_spend_amount,
                first_order_only=True,
                valid_from=start,
            )
        lantern = self.campaign(
            "lantern",
            at=self.ago(80),
            name="Lantern Festival · 元宵节 ¥15 off",
            kind=Campaign.Kind.PROMOTION,
            currency="CNY",
            budget_amount=300000,
            starts_at=self.ago(80),
            utm_campaign="lantern-festival",
        )
        self.coupon(
            "lantern",
            lantern,
            code="YUANXIAO15",
            kind=Coupon.Kind.FIXED,
            amount=1500,
            min_spend_amount=10000,
            valid_from=self.ago(80),
        )
        influencer = self.campaign(
            "influencer",
            at=self.ago(70),
            name="王丽's followers on Xiaohongshu",
            kind=Campaign.Kind.INFLUENCER,
            currency="CNY",
            budget_amount=150000,
            owner=self.provider,
            owner_share_bps=500,
            starts_at=self.ago(70),
            utm_campaign="wangli-xhs",
        )
        self.coupon(
            "influencer",
            influencer,
            code="WANGLI10",
            kind=Coupon.Kind.PERCENT,
            percent_bps=1000,
            cap_amount=3000,
            valid_from=self.ago(70),
        )
        own = self.campaign(
            "provider",
            at=self.ago(55),
            name="安心到家 · ¥40 off your first clean with us",
            kind=Campaign.Kind.PROMOTION,
            currency="CNY",
            funded_by=Campaign.FundedBy.PROVIDER,
            provider=self.provider,
            budget_amount=80000,
            starts_at=self.ago(55),
        )
        self.coupon(
            "provider",
            own,
            code="ANXIN40",
            kind=Coupon.Kind.FIXED,
            amount=4000,
            min_spend_amount=10000,
            valid_from=self.ago(55),
        )
        partner = self.campaign(
            "partner",
            at=self.ago(45),
            name=PARTNER_NAME,
            kind=Campaign.Kind.PARTNER,
            currency="CNY",
            budget_amount=150000,
            starts_at=self.ago(45),
            utm_campaign="jingan-gardens",
        )
        self.batch = services.create_batch(
            user=self.ops,
            campaign_id=partner.public_id,
            prefix=PARTNER_PREFIX,
            count=50,
            kind=Coupon.Kind.FIXED,
            amount=3000,
            valid_until=self.ago(45) + timedelta(days=180),
        )
        spring = self.campaign(
            "spring",
            at=self.ago(34),
            name="Spring clean · 春季大扫除",
            kind=Campaign.Kind.PROMOTION,
            currency="CNY",
            budget_amount=200000,
            starts_at=self.ago(32),
            ends_at=self.now + timedelta(days=16),
            utm_campaign="spring-clean",
        )
        self.coupon(
            "spring",
            spring,
            code="SPRING20",
            kind=Coupon.Kind.PERCENT,
            percent_bps=2000,
            cap_amount=5000,
            category=self.home_cleaning,
            valid_from=self.ago(32),
            valid_until=self.now + timedelta(days=16),
        )

    # -- orders

    def _reaching(
        self,
        place: SavedAddress,
        *,
        at: datetime,
        customer: User,
        category: Category | None = None,
        provider_id: int | None = None,
        min_spend: int = 0,
    ) -> tuple[Listing, datetime] | None:
        """A listing that serves ``place``, priced at ``min_spend`` or more,
        and a free start a day or more after ``at`` (as the booking page
        would offer)."""
        listings = bookable_listings().filter(
            price_amount__isnull=False, currency="CNY", provider__time_zone=SHANGHAI
        )
        if category is not None:
            listings = listings.filter(
                category__in=[category, *category.children.all()]
            )
        if provider_id is not None:
            listings = listings.filter(provider_id=provider_id)
        candidates = [
            listing
            for listing in listings.select_related("provider__user").order_by("pk")
            if listing.provider.user_id != customer.pk
            and _km(listing, place) <= float(listing.service_radius_km) * 0.95
            and _price(listing) >= min_spend
        ]
        self.rng.shuffle(candidates)
        for listing in candidates[:12]:
            times = start_times(
                listing,
                now=at,
                earliest=at + timedelta(days=1),
                latest=at + timedelta(days=5),
                ending=OrderState.COMPLETED,
            )
            if times:
                return listing, self.rng.choice(times[:12])
        return None

    def order(
        self,
        customer: User,
        place: SavedAddress,
        *,
        at: datetime,
        code: str = "",
        points: int = 0,
        category: Category | None = None,
        provider_id: int | None = None,
        done: bool = True,
    ) -> Order | None:
        """Book, apply ``code`` and ``points`` at checkout, pay with the test
        card; ``done``: the job is then done and confirmed."""
        self.at(at)
        found = self._reaching(
            place,
            at=at,
            customer=customer,
            category=category,
            provider_id=provider_id,
            min_spend=_min_spend(code),
        )
        if found is None:
            self.stopped += 1
            return None
        listing, starts_at = found
        try:
            order = place_order(
                customer=customer,
                listing_id=listing.public_id,
                starts_at=starts_at,
                hours=listing.min_hours
                if listing.pricing_model == PricingModel.HOURLY
                else None,
                address=place.address,
                latitude=place.latitude,
                longitude=place.longitude,
            )
            if code or points:
                self.at(at + timedelta(minutes=2))
                try:
                    checkout.apply(
                        order=order,
                        user=customer,
                        code=code,
                        points=points,
                        now=self.clock.now,
                    )
                except DomainError as error:
                    # The customer pays the full price instead.
                    logger.debug("demo code refused: %s", error.code)
                    self.refused_codes += 1
            self.at(at + timedelta(minutes=4))
            order = sandbox.pay_with_sandbox_card(order, TEST_CARD)
            if done:
                self.do_the_job(order)
        except DomainError as error:
            logger.debug("demo growth story stopped: %s", error.code)
            self.stopped += 1
            return None
        return order

    def _fire(self, order: Order, name: str, user: User, **data) -> None:
        order.refresh_from_db()
        transition_order(order=order, name=name, user=user, data=data or None)
        order.refresh_from_db()

    def do_the_job(self, order: Order) -> None:
        provider_user = order.provider.user
        if order.state == OrderState.REQUESTED:
            self.at(self.clock.now + timedelta(minutes=25))
            self._fire(order, "accept", provider_user)
        self.at(order.starts_at - timedelta(minutes=35))
        self._fire(order, "depart", provider_user)
        self.at(order.starts_at + timedelta(minutes=4))
        self._fire(order, "start", provider_user, start_code=order.start_code)
        self.at(order.ends_at + timedelta(minutes=10))
        self._fire(order, "deliver", provider_user)
        self.at(self.clock.now + timedelta(hours=3))
        self._fire(order, "confirm", order.customer)

    def generated_shopper(
        self,
        *,
        at: datetime,
        category: Category | None = None,
        provider_id: int | None = None,
    ) -> tuple[User, SavedAddress] | None:
        """A generated Shanghai customer near a listing (of ``category``)."""
        homes = list(
            SavedAddress.objects.filter(
                is_default=True,
                user__time_zone=SHANGHAI,
                user__provider_profile__isnull=True,
                user__staff_memberships__isnull=True,
                user__is_staff=False,
                user__email__endswith="@example.com",
            )
            .exclude(user_id__in=self.logins | self.used_generated)
            .exclude(user__referred_by__isnull=False)
            .select_related("user")
            .order_by("pk")
        )
        self.rng.shuffle(homes)
        for home in homes[:8]:
            if self._reaching(
                home,
                at=at,
                customer=home.user,
                category=category,
                provider_id=provider_id,
            ):
                self.used_generated.add(home.user_id)
                return home.user, home
        return None

    def shopper(
        self,
        *,
        at: datetime,
        category: Category | None = None,
        provider_id: int | None = None,
    ) -> tuple[User, SavedAddress]:
        """A generated customer, or one of the spare newcomers who signs up."""
        found = self.generated_shopper(
            at=at, category=category, provider_id=provider_id
        )
        if found is not None:
            return found
        return self.sign_up(self.spares.pop(0), at=at - timedelta(hours=2))

    # -- the stories, oldest first

    def old_goodwill(self) -> None:
        """Points the demo customer was given over a year ago, never spent:
        they expire during the demo's past (the sweep below)."""
        earned = self.ago(HISTORY_DAYS + 290)
        self.at(earned)
        rewards.grant(
            user=self.customer,
            kind=RewardLot.Kind.POINTS,
            source=RewardLot.Source.GOODWILL,
            source_ref=GOODWILL_REF,
            amount=500,
            currency="CNY",
            now=earned,
        )

    def demo_customer_code(self) -> str:
        self.at(self.ago(HISTORY_DAYS - 2))
        customer_code = referrals.code_for(self.customer).code
        # The demo customer signs in at home (the laptop a friend borrows).
        self.sign_in(
            self.customer,
            device=DEMO_CUSTOMER_DEVICE,
            ip=DEMO_CUSTOMER_IP,
            at=self.ago(HISTORY_DAYS - 2, hours=-1),
        )
        return customer_code

    def friend_rewarded(self, code: str) -> None:
        person = FRIENDS["rewarded"]
        self.at(self.ago(63))
        self.visit(f"/?ref={code}", device=_device(person.key), ip=person.ip)
        user, home = self.sign_up(
            person, at=self.ago(63, hours=-0.2), referral_code=code
        )
        # Their first order, with the friend's code: the welcome offer.
        self.order(user, home, at=self.ago(58), code=code)

    def friend_quarantined(self, code: str) -> None:
        person = FRIENDS["quarantined"]
        self.at(self.ago(31))
        self.visit(f"/?ref={code}", device=DEMO_CUSTOMER_DEVICE, ip=person.ip)
        # On the inviter's laptop: the same device cookie.
        user, home = self.sign_up(
            person,
            at=self.ago(31, hours=-0.3),
            referral_code=code,
            device=DEMO_CUSTOMER_DEVICE,
        )
        self.order(user, home, at=self.ago(29), code=code)

    def friend_joined(self, code: str) -> None:
        person = FRIENDS["joined"]
        self.at(self.ago(6))
        self.visit(f"/?ref={code}", device=_device(person.key), ip=person.ip)
        self.sign_up(person, at=self.ago(6, hours=-0.1), referral_code=code)

    def second_inviter(self) -> None:
        """A customer invites "someone" on their own phone, who orders within
        minutes of joining, at the same address: held for ops."""
        inviter, _home = self.sign_up(SECOND_INVITER, at=self.ago(40))
        code = referrals.code_for(inviter).code
        device = _device(SECOND_INVITER.key)
        self.sign_in(inviter, device=device, ip=SECOND_INVITER.ip, at=self.ago(26.5))
        self.at(self.ago(26))
        self.visit(f"/?ref={code}", device=device, ip=SECOND_INVITEE.ip)
        invitee, home = self.sign_up(
            SECOND_INVITEE,
            at=self.ago(26, hours=-0.05),
            referral_code=code,
            device=device,
        )
        self.order(invitee, home, at=self.ago(26, hours=-0.2), code=code)

    def provider_invites_provider(self) -> None:
        """The demo provider login brought the newest provider of Shanghai
        (their code was made the day before)."""
        invitee = (
            User.objects.filter(
                provider_profile__isnull=False,
                provider_profile__time_zone=SHANGHAI,
                email__endswith="@example.com",
                referred_by__isnull=True,
            )
            .exclude(pk__in=self.logins)
            .order_by("-date_joined")
            .first()
        )
        if invitee is None:
            return
        joined = invitee.date_joined
        self.at(min(joined - timedelta(days=1), self.ago(HISTORY_DAYS - 2)))
        code = referrals.code_for(self.provider.user).code
        self.at(joined)
        referrals.attach(invitee=invitee, code=code, now=joined)

    def promotions(self) -> None:
        """Codes on orders: the festival code before it was paused, the
        influencer's, the provider's own, the partner's, the spring clean."""
        shopper = self.shopper(at=self.ago(74))
        self.order(*shopper, at=self.ago(74), code=self.codes["lantern"].code)
        self.at(self.ago(60))
        services.set_campaign_status(
            user=self.ops,
            campaign_id=self.campaigns["lantern"].public_id,
            status=Campaign.Status.PAUSED,
            reason=PAUSE_REASON,
        )
        # The influencer's followers come from her notes, tagged, with the code.
        influencer = self.codes["influencer"].code
        for index, person in enumerate(FOLLOWERS):
            self.at(self.ago(66 - 12 * index))
            self.visit(
                f"/?utm_source=xiaohongshu&utm_medium=social"
                f"&utm_campaign=wangli-xhs&code={influencer}",
                device=_device(person.key),
                ip=person.ip,
            )
            user, home = self.sign_up(person, at=self.ago(66 - 12 * index, hours=-1))
            self.order(user, home, at=self.ago(65 - 12 * index), code=influencer)
        # The provider's own promotion, on one of their services.
        user, home = self.shopper(at=self.ago(50), provider_id=self.provider.pk)
        self.order(
            user,
            home,
            at=self.ago(50),
            code=self.codes["provider"].code,
            provider_id=self.provider.pk,
        )
        # Three tenants of Jing'an Gardens used their codes.
        batch_codes = list(
            Coupon.objects.filter(batch=self.batch)
            .order_by("code")
            .values_list("code", flat=True)
        )
        for index, person in enumerate(TENANTS):
            self.at(self.ago(42 - 5 * index))
            batch_code = batch_codes[index]
            self.visit(
                f"/?utm_source=jingan-gardens&utm_medium=flyer"
                f"&utm_campaign=jingan-gardens&code={batch_code}",
                device=_device(person.key),
                ip=person.ip,
            )
            user, home = self.sign_up(person, at=self.ago(42 - 5 * index, hours=-0.5))
            self.order(user, home, at=self.ago(41 - 5 * index), code=batch_code)
        # Spring clean: the newsletter's readers, and the demo customer.
        spring = self.codes["spring"].code
        for index in range(2):
            at = self.ago(30 - 6 * index)
            user, home = self.shopper(at=at, category=self.home_cleaning)
            device = _device(f"newsletter:{user.pk}")
            self.at(at - timedelta(minutes=30))
            self.visit(
                "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-clean",
                device=device,
                ip="202.96.209.5",
            )
            self.sign_in(
                user, device=device, ip="202.96.209.5", at=at - timedelta(minutes=20)
            )
            self.order(user, home, at=at, code=spring, category=self.home_cleaning)
        home = SavedAddress.objects.filter(user=self.customer, is_default=True).first()
        self.order(
            self.customer,
            home,
            at=self.ago(21),
            code=spring,
            category=self.home_cleaning,
        )

    def someone_who_never_signed_up(self) -> None:
        self.at(self.ago(3))
        self.visit(
            "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-clean",
            device=_device("window-shopper"),
            ip="180.160.3.3",
        )

    def sweeps(self) -> int:
        """The periodic jobs, day by day over the past: what completed orders
        earn once their dispute window passed, and lots that expire."""
        settled = 0
        moment = self.ago(HISTORY_DAYS)
        while moment <= self.now:
            self.at(moment)
            settled += rewards.settle_due(now=moment)
            rewards.expire_due(now=moment)
            moment += SETTLE_EVERY
        return settled

    def spend_points(self) -> None:
        """The demo customer books for next week and pays partly with points."""
        at = self.ago(0, hours=2)
        held = checkout.balances(self.customer, "CNY", now=at)[RewardLot.Kind.POINTS]
        if not held:
            return
        home = SavedAddress.objects.filter(user=self.customer, is_default=True).first()
        self.order(self.customer, home, at=at, points=held, done=False)

    def tell(self) -> int:
        self.set_up_campaigns()
        self.old_goodwill()
        customer_code = self.demo_customer_code()
        self.provider_invites_provider()
        self.promotions()
        self.friend_rewarded(customer_code)
        self.second_inviter()
        self.friend_quarantined(customer_code)
        self.friend_joined(customer_code)
        self.someone_who_never_signed_up()
        settled = self.sweeps()
        self.spend_points()
        self.at(self.now)
        return settled


def seed_growth(*, logins: dict[str, User], seed: object, now: datetime) -> dict:
    """The stories (see the module docstring), as of ``now``; returns what is
    there, by name."""
    with override_settings(**_quiet_settings()):
        with moved_clock(now - timedelta(days=HISTORY_DAYS)) as clock:
            stories = GrowthStories(
                logins=logins,
                rng=random.Random(f"{seed}:growth"),
                now=now,
                clock=clock,
            )
            settled = stories.tell()
        sandbox.clear_injected_failures()
    report = {
        "growth_campaigns": Campaign.objects.count(),
        "growth_codes": Coupon.objects.count(),
        "growth_code_batches": CodeBatch.objects.count(),
        "growth_codes_used": Coupon.objects.filter(uses__gt=0).count(),
        "growth_redemptions": Redemption.objects.filter(
            status=Redemption.Status.ACTIVE
        ).count(),
        "growth_orders_settled": settled,
        "growth_reward_lots": RewardLot.objects.count(),
        "growth_lots_expired": RewardLot.objects.filter(
            expired_at__isnull=False
        ).count(),
        "growth_points_spent": -sum(
            RewardMove.objects.filter(kind=RewardMove.Kind.SPENT).values_list(
                "change", flat=True
            )
        ),
        "growth_touches": Touch.objects.count(),
        "growth_codes_refused": stories.refused_codes,
        "growth_stories_stopped": stories.stopped,
    }
    statuses = dict(
        Referral.objects.values_list("status").annotate(n=Count("pk")).order_by()
    )
    for status in Referral.Status.values:
        report[f"growth_referrals_{status}"] = statuses.get(status, 0)
    return report
