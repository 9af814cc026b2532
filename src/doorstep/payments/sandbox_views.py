"""The sandbox gateway's hosted card page: what Stripe's own page is to a real
deployment. The customer types a test card here, never on our booking form; the
page confirms the intent with the sandbox, asks for the challenge when the card
wants one, then sends the customer back to the shop's return URL.

Reached only with the intent's secret (as a gateway's page is only reached with
the link it gave the shop), and only when the sandbox is the configured gateway.
"""

from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from doorstep.core.money import Money
from doorstep.payments.conf import setting
from doorstep.payments.gateways.base import GatewayError, IntentResult
from doorstep.payments.gateways.sandbox import (
    TEST_CARDS,
    SandboxGateway,
    return_url_of,
)
from doorstep.payments.models import SandboxCharge

FAILURES = {
    GatewayError.CARD_DECLINED: _("Your card was declined. Try another card."),
    GatewayError.RETRY_LATER: _("The bank did not answer. Try again."),
    "authentication_failed": _(
        "The card could not be authenticated. Try again or use another card."
    ),
}


def _intent(request: HttpRequest, intent_id: str) -> SandboxCharge:
    if setting("DOORSTEP_PAYMENT_GATEWAY") != "sandbox":
        raise Http404
    charge = SandboxCharge.objects.filter(charge_id=intent_id).first()
    secret = request.GET.get("secret", "")
    if charge is None or not secret or charge.metadata.get("_secret") != secret:
        raise Http404
    return charge


def _back_to_shop(intent_id: str) -> HttpResponse:
    # The return URL was given by the shop's server when it opened the intent
    # (as with a real gateway), never by the browser: no open redirect.
    target = return_url_of(intent_id)
    if urlsplit(target).scheme not in {"http", "https"}:
        raise Http404
    return redirect(target)


def _after(request: HttpRequest, intent: IntentResult) -> HttpResponse | None:
    if intent.authorised:
        return _back_to_shop(intent.intent_id)
    if intent.status == "requires_action":
        return redirect(intent.next_action_url)
    return None


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, intent_id: str) -> HttpResponse:
    charge = _intent(request, intent_id)
    gateway = SandboxGateway()
    intent = gateway.retrieve_intent(intent_id=intent_id)
    if request.method == "POST":
        intent = gateway.confirm_intent(
            intent_id=intent_id, card=request.POST.get("card", "")
        )
    done = _after(request, intent)
    if done is not None:
        return done
    error = FAILURES.get(intent.failure_code, "") if intent.failure_code else ""
    context = {
        "charge": charge,
        "intent": intent,
        "amount": Money(intent.amount, intent.currency),
        "error": error or (_("The payment failed.") if intent.failure_code else ""),
        "test_cards": TEST_CARDS,
        "return_url": return_url_of(intent_id),
    }
    status = 402 if request.method == "POST" else 200
    return render(request, "payments/sandbox/pay.html", context, status=status)


@require_http_methods(["GET", "POST"])
def challenge(request: HttpRequest, intent_id: str) -> HttpResponse:
    charge = _intent(request, intent_id)
    gateway = SandboxGateway()
    intent = gateway.retrieve_intent(intent_id=intent_id)
    if request.method == "POST":
        intent = gateway.answer_challenge(
            intent_id=intent_id, approve=request.POST.get("answer") == "approve"
        )
    if intent.status != "requires_action":
        done = _after(request, intent)
        if done is not None:
            return done
        return redirect(intent.next_action_url)
    return render(
        request,
        "payments/sandbox/challenge.html",
        {
            "charge": charge,
            "intent": intent,
            "amount": Money(intent.amount, intent.currency),
        },
    )
