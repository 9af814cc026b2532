"""Where visitors come from, from the first click to sign-up and orders.

A visitor is a long-lived first-party cookie (``ds_device``, random, no
personal data), which also serves the referral fraud checks as the device.
A visit that arrives with a source — a referral link (``/r/<code>/`` or
``?ref=``), a code in a link (``?code=``), a campaign's UTM tags — is kept as a
``Touch``; at sign-up the visitor's touches become the account's, and the
friend's code becomes their referral. Orders are attributed to the first and
the last touch before them (``growth.funnel``).

The middleware does nothing on requests without a source but hand out the
cookie once; it never writes to the database otherwise.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from doorstep.growth import referrals, rewards
from doorstep.growth.models import Referral, Sighting, Touch

REFERRAL_COOKIE = "ds_ref"
COOKIE_AGE = int(timedelta(days=730).total_seconds())
REFERRAL_COOKIE_AGE = int(timedelta(days=30).total_seconds())
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
SKIPPED_PREFIXES = ("/static/", "/media/", "/api/", "/healthz", "/readyz", "/ops/")


def visitor_of(request: HttpRequest) -> str:
    return getattr(request, "doorstep_visitor", "") or request.COOKIES.get(
        referrals.DEVICE_COOKIE, ""
    )


def record_touch(
    request: HttpRequest, *, source: str, code: str = "", utm: dict | None = None
) -> Touch | None:
    """Keep where this visit came from (once per visitor, source and code a day)."""
    visitor = visitor_of(request)
    if not visitor:
        return None
    utm = {field: (utm or {}).get(field, "")[:80] for field in UTM_FIELDS}
    now = timezone.now()
    user = request.user if request.user.is_authenticated else None
    recent = Touch.objects.filter(
        visitor=visitor,
        source=source,
        code=code,
        utm_campaign=utm["utm_campaign"],
        at__gte=now - timedelta(days=1),
    )
    if recent.exists():
        return None
    return Touch.objects.create(
        visitor=visitor,
        user=user,
        source=source,
        code=code[:32],
        landing_path=request.path[:200],
        at=now,
        **utm,
    )


class AttributionMiddleware:
    """Hands out the visitor cookie and keeps sourced visits as touches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        visitor = request.COOKIES.get(referrals.DEVICE_COOKIE, "")
        fresh = not visitor and request.method == "GET"
        if fresh and not request.path.startswith(SKIPPED_PREFIXES):
            visitor = secrets.token_hex(16)
        request.doorstep_visitor = visitor
        if visitor and request.method == "GET" and request.GET:
            self._touch(request)
        response = self.get_response(request)
        if fresh and visitor:
            response.set_cookie(
                referrals.DEVICE_COOKIE,
                visitor,
                max_age=COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def _touch(self, request: HttpRequest) -> None:
        query = request.GET
        if query.get("ref"):
            code = query["ref"].upper()
            touch = record_touch(request, source=Touch.Source.REFERRAL, code=code)
            if touch is not None:
                rewards.reward_shared_review(
                    path=request.path,
                    code=code,
                    visitor=touch.visitor,
                    viewer=touch.user_id,
                )
        if query.get("code"):
            record_touch(
                request, source=Touch.Source.COUPON, code=query["code"].upper()
            )
        if query.get("utm_campaign") or query.get("utm_source"):
            record_touch(
                request,
                source=Touch.Source.CAMPAIGN,
                utm={field: query.get(field, "") for field in UTM_FIELDS},
            )


def remember_referral(response: HttpResponse, code: str) -> None:
    """The referral link's code waits in a cookie for the sign-up."""
    response.set_cookie(
        REFERRAL_COOKIE,
        code,
        max_age=REFERRAL_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def on_sign_up(*, user, request: HttpRequest | None) -> Referral | None:
    """Sign-up hook (``accounts.lifecycle``): the visitor's touches become the
    account's, the device and network are noted, and the friend's code from
    the link (or the last referral touch) becomes the referral."""
    if request is None:
        return None
    visitor = visitor_of(request)
    if visitor:
        Touch.objects.filter(visitor=visitor, user__isnull=True).update(user=user)
    referrals.record_sighting(user, request)
    referrals.code_for(user)
    code = request.COOKIES.get(REFERRAL_COOKIE, "")
    if not code and visitor:
        last = (
            Touch.objects.filter(visitor=visitor, source=Touch.Source.REFERRAL)
            .order_by("-at")
            .first()
        )
        code = last.code if last else ""
    if not code:
        return None
    return referrals.attach(invitee=user, code=code)


def on_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """Django's ``user_logged_in`` (every sign-in, allauth's too): note the
    device and network (evidence for the referral checks), and claim this
    browser's touches."""
    if request is None:
        return
    referrals.record_sighting(user, request)
    visitor = visitor_of(request)
    if visitor:
        Touch.objects.filter(visitor=visitor, user__isnull=True).update(user=user)


def erase(*, user) -> None:
    """Account closure: where they came from and what they were seen on."""
    Touch.objects.filter(user=user).delete()
    Sighting.objects.filter(user=user).delete()
