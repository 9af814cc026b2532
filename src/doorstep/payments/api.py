"""The payments API (an order is paid through ``POST /orders/{id}/payment``,
in the orders API): tips and extra charges, the provider's
wallet and payouts, and ops' payout batches and refunds.

Every write that moves money takes an ``Idempotency-Key`` header. An order that
is not the caller's answers 404, like one that does not exist. Ops endpoints
need a second factor (``backoffice.access.require_back_office``: 403 for staff
without one, 404 for everyone else) and the ops role's permission.
"""

import csv
import io
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Status

from doorstep.accounts.models import User
from doorstep.backoffice.access import require_back_office
from doorstep.core.errors import DomainError, NotFound
from doorstep.orders.models import Order
from doorstep.orders.process import Actor
from doorstep.orders.queries import access_order, ops_order
from doorstep.payments import flows, payout_accounts, queries
from doorstep.payments.idempotency import HEADER, fingerprint, replay_error, run_once
from doorstep.payments.models import (
    AccountKind,
    ExtraCharge,
    LedgerAccount,
    PayoutBatch,
    PayoutRequest,
)
from doorstep.payments.schemas import (
    AgencyStaffBalancesOut,
    BatchIn,
    BatchOut,
    ExtraChargeIn,
    ExtraChargeOut,
    OnboardingLinkOut,
    PayoutAccountOut,
    PayoutIn,
    PayoutOut,
    RefundIn,
    RefundOut,
    StaffEarningsOut,
    StaffPayoutIn,
    StaffPayoutOut,
    StaffShareIn,
    StatementOut,
    TipIn,
    WalletOut,
)

router = Router(tags=["payments"])


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _order(request: HttpRequest, order_id: str, *, as_role: Actor) -> Order:
    return access_order(_caller(request), order_id, as_role=as_role)


def _provider(request: HttpRequest):
    profile = getattr(_caller(request), "provider_profile", None)
    if profile is None:
        raise NotFound("not_a_provider", _("You have no provider profile."))
    return profile


def _money(amount: int, currency: str) -> dict:
    return {"amount": amount, "currency": currency}


def _extra_out(extra: ExtraCharge) -> dict:
    return {
        "id": extra.public_id,
        "kind": extra.kind,
        "status": extra.status,
        "description": extra.description if extra.kind == "extra" else "",
        "amount": _money(extra.amount, extra.currency),
    }


def _payout_out(payout: PayoutRequest) -> dict:
    return {
        "id": payout.public_id,
        "status": payout.status,
        "failure_code": payout.failure_code,
        "amount": _money(payout.amount, payout.currency),
        "created_at": payout.created_at,
    }


def _once(request: HttpRequest, payload: Any, action) -> Status:
    status, body = run_once(
        user=_caller(request),
        key=request.META.get(HEADER),
        request_fingerprint=fingerprint(request.method, request.path, payload),
        action=action,
    )
    replay_error(status, body)
    return Status(status, body)


@router.post(
    "/orders/{order_id}/tips",
    response={201: ExtraChargeOut},
    summary="Tip the provider",
    description="After completion; all of it goes to the provider. "
    "Takes an `Idempotency-Key`.",
)
def tip(request: HttpRequest, order_id: str, payload: TipIn):
    order = _order(request, order_id, as_role=Actor.CUSTOMER)
    key = request.META.get(HEADER) or ""

    def action():
        extra = flows.add_tip(
            order=order,
            amount=payload.amount,
            reference=key or f"tip-{order.extra_charges.count() + 1}",
        )
        return 201, _extra_out(extra)

    return _once(request, payload.dict(), action)


@router.post(
    "/orders/{order_id}/extra-charges",
    response={201: ExtraChargeOut},
    summary="Propose an extra charge",
    description="The provider asks for materials or extra time; the customer "
    "approves before anything is charged.",
)
def propose_extra(request: HttpRequest, order_id: str, payload: ExtraChargeIn):
    order = _order(request, order_id, as_role=Actor.PROVIDER)

    def action():
        extra = flows.propose_extra_charge(
            order=order, amount=payload.amount, description=payload.description
        )
        return 201, _extra_out(extra)

    return _once(request, payload.dict(), action)


@router.post(
    "/orders/{order_id}/extra-charges/{charge_id}/approve",
    response={200: ExtraChargeOut},
    summary="Approve an extra charge",
    description="Charges the card the order was paid with. Takes an `Idempotency-Key`.",
)
def approve_extra(request: HttpRequest, order_id: str, charge_id: str):
    order = _order(request, order_id, as_role=Actor.CUSTOMER)
    extra = queries.proposed_extra_charge(order=order, charge_id=charge_id)

    def action():
        approved = flows.approve_extra_charge(extra=extra)
        return 200, _extra_out(approved)

    return _once(request, {}, action)


@router.post(
    "/orders/{order_id}/extra-charges/{charge_id}/decline",
    response={200: ExtraChargeOut},
    summary="Decline an extra charge",
    description="Nothing is charged. 409 `extra_answered` once it was answered.",
)
def decline_extra(request: HttpRequest, order_id: str, charge_id: str):
    order = _order(request, order_id, as_role=Actor.CUSTOMER)
    extra = queries.proposed_extra_charge(order=order, charge_id=charge_id)
    return Status(200, _extra_out(flows.decline_extra_charge(extra=extra)))


@router.get(
    "/orders/{order_id}/extra-charges",
    response=list[ExtraChargeOut],
    summary="Extra charges of an order",
    description="Proposed (waiting for the customer), answered and paid ones, "
    "late-change fees and tips. For the order's customer and provider.",
)
def list_extras(request: HttpRequest, order_id: str):
    try:
        order = _order(request, order_id, as_role=Actor.CUSTOMER)
    except NotFound:
        order = _order(request, order_id, as_role=Actor.PROVIDER)
    return [_extra_out(extra) for extra in queries.extra_charges(order)]


@router.get(
    "/me/wallet",
    response=list[WalletOut],
    summary="Your balances",
    description="Per currency: pending (clearing), available, requested (not yet "
    "approved, still inside available), withdrawable (what a new request may ask "
    "for), on its way and paid out.",
)
def wallet(request: HttpRequest):
    provider = _provider(request)
    return [
        {**w.__dict__, "withdrawable": w.withdrawable}
        for w in queries.wallets(provider, default_currency=settings.DOORSTEP_CURRENCY)
    ]


@router.get(
    "/me/wallet/statement",
    response=StatementOut,
    summary="Your statement",
    description="Every movement of your balances with the running balance, "
    "newest first. `?format=csv` downloads all of it.",
)
def wallet_statement(
    request: HttpRequest,
    format: str = "json",
    limit: int = 50,
    cursor: str | None = None,
):
    provider = _provider(request)
    lines = queries.statement(provider)
    if format == "csv":
        return statement_csv(lines)
    lines.reverse()
    if cursor:
        try:
            before = int(cursor)
        except ValueError:
            raise DomainError(
                "invalid_cursor", _("This cursor is not valid."), status=400
            ) from None
        lines = [line for line in lines if line.id < before]
    limit = max(1, min(limit, 200))
    page = lines[:limit]
    return {
        "items": [
            {
                **line.__dict__,
                "amount": _money(line.amount, line.currency),
                "balance": _money(line.balance, line.currency),
            }
            for line in page
        ],
        "next": str(page[-1].id) if len(lines) > limit else None,
    }


def statement_csv(lines) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["date", "entry", "kind", "order", "account", "currency", "amount", "balance"]
    )
    for line in lines:
        writer.writerow(
            [
                line.created_at.isoformat(),
                line.entry,
                line.kind,
                line.order,
                line.account,
                line.currency,
                line.amount,
                line.balance,
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="statement.csv"'
    return response


def _wallet_currency(provider) -> str:
    """The currency of the provider's largest available balance."""
    account = (
        LedgerAccount.objects.filter(
            provider=provider, kind=AccountKind.PROVIDER_AVAILABLE
        )
        .order_by("-balance")
        .first()
    )
    return account.currency if account else settings.DOORSTEP_CURRENCY


@router.post(
    "/me/payouts",
    response={201: PayoutOut},
    summary="Request a payout",
    description="From your available balance, at least the minimum payout. "
    "Takes an `Idempotency-Key`.",
)
def request_payout(request: HttpRequest, payload: PayoutIn):
    provider = _provider(request)

    def action():
        payout = flows.request_payout(
            provider=provider,
            amount=payload.amount,
            currency=payload.currency or _wallet_currency(provider),
        )
        return 201, _payout_out(payout)

    return _once(request, payload.dict(), action)


def _payout_account_out(account) -> dict:
    if account is None:
        status = "not_started"
    else:
        status = "enabled" if account.can_receive_payouts() else "incomplete"
    return {
        "status": status,
        "payouts_enabled": bool(account and account.can_receive_payouts()),
        "requirements_due": list(account.requirements_due) if account else [],
        "disabled_reason": account.disabled_reason if account else "",
    }


@router.get(
    "/me/payout-account",
    response=PayoutAccountOut,
    summary="Your payout account",
    description="Whether payouts can reach you yet. Payout requests are refused "
    "(`payouts_not_enabled`) until `status` is `enabled`.",
)
def payout_account(request: HttpRequest):
    return _payout_account_out(payout_accounts.payout_account_of(_provider(request)))


@router.post(
    "/me/payout-account/onboarding-link",
    response={201: OnboardingLinkOut},
    summary="Set up payouts",
    description="Opens your account at the payment provider (the first time) and "
    "returns a short-lived link to its onboarding, where you give your bank "
    "details; it sends you back to the wallet page.",
)
def onboarding_link(request: HttpRequest):
    provider = _provider(request)
    url = payout_accounts.start_payout_onboarding(
        provider=provider,
        return_url=request.build_absolute_uri(reverse("payments:payouts_return")),
        refresh_url=request.build_absolute_uri(reverse("payments:payouts_refresh")),
    )
    return Status(201, {"url": url})


@router.post(
    "/ops/payouts/batches",
    response={201: BatchOut},
    summary="Approve payouts (ops)",
    description="Approve requested payouts as one batch and send them. Ops "
    "only, with a token minted after the TOTP code (403 `ops_mfa_required` "
    "without) and a role that approves payouts (403 `ops_permission_required`).",
)
def approve_batch(request: HttpRequest, payload: BatchIn):
    user = require_back_office(request)

    def action():
        ids = list(
            PayoutRequest.objects.filter(public_id__in=payload.payout_ids).values_list(
                "pk", flat=True
            )
        )
        batch = flows.approve_payouts(request_ids=ids, user=user, reason=payload.reason)
        return 201, _batch_out(batch)

    return _once(request, payload.dict(), action)


def _batch_out(batch: PayoutBatch) -> dict:
    return {
        "id": batch.public_id,
        "payouts": [_payout_out(p) for p in batch.requests.order_by("pk")],
    }


@router.post(
    "/ops/orders/{order_id}/refunds",
    response={201: RefundOut},
    summary="Refund an order (ops)",
    description="Full or partial, from escrow or (after release) per policy. "
    "Takes an `Idempotency-Key`; the same key refunds once. Ops only, with a "
    "token minted after the TOTP code (403 `ops_mfa_required` without) and a "
    "role that refunds (403 `ops_permission_required`).",
)
def refund(request: HttpRequest, order_id: str, payload: RefundIn):
    user = require_back_office(request)
    order = ops_order(order_id)
    key = request.META.get(HEADER) or ""
    if not key:
        raise DomainError(
            "idempotency_key_required",
            _("Send an Idempotency-Key header with a refund."),
            status=400,
        )

    def action():
        amount = flows.refund_order_for_ops(
            order=order,
            amount=payload.amount,
            reference=f"ops-{key[:60]}",
            user=user,
            reason=payload.reason.strip(),
        )
        return 201, {
            "order": order.public_id,
            "refunded": _money(amount, order.currency),
        }

    return _once(request, payload.dict(), action)


# --- An agency's staff: earnings, share, the agency paying them ---------------------


def _staff_balances_out(balances) -> list[dict]:
    return [balance.__dict__ for balance in balances]


@router.get(
    "/me/staff-earnings",
    response=list[StaffEarningsOut],
    summary="Your earnings as an agency's staff member",
    description="One item per agency you work for: pending and available "
    "balances per currency, and your part of each released order (newest "
    "first). Your agency pays you and records it here; an empty list if you "
    "are nobody's staff.",
)
def my_staff_earnings(request: HttpRequest):
    return [
        {
            "staff_id": item.staff.public_id,
            "agency_name": item.staff.agency.name,
            "balances": _staff_balances_out(item.balances),
            "orders": [
                {
                    "order_id": line.order_id,
                    "title": line.title,
                    "amount": _money(line.amount, line.currency),
                    "released_at": line.released_at,
                }
                for line in item.orders
            ],
        }
        for item in queries.staff_earnings(_caller(request))
    ]


def _agency_balances_out(agency, rows) -> dict:
    return {
        "agency_id": agency.public_id,
        "staff_share_bps": agency.staff_share_bps,
        "staff": [
            {
                "staff_id": member.public_id,
                "display_name": member.display_name,
                "role": member.role,
                "balances": _staff_balances_out(balances),
            }
            for member, balances in rows
        ],
    }


@router.get(
    "/agencies/{agency_id}/staff-balances",
    response=AgencyStaffBalancesOut,
    summary="Each staff member's earnings balances (owner and managers)",
    description="404 `agency_not_found` for anyone but the agency's owner and "
    "its managers.",
)
def agency_staff_balances(request: HttpRequest, agency_id: str):
    agency, rows = queries.agency_staff_balances(
        agency_id=agency_id, user=_caller(request)
    )
    return _agency_balances_out(agency, rows)


@router.put(
    "/agencies/{agency_id}/staff-share",
    response=AgencyStaffBalancesOut,
    summary="Set the staff's share of earnings (owner)",
    description="The staff member's part of what an order earns after "
    "commission, from the next release on. 404 `agency_not_found` for anyone "
    "but the owner.",
)
def set_staff_share(request: HttpRequest, agency_id: str, payload: StaffShareIn):
    user = _caller(request)
    agency, _rows = queries.agency_staff_balances(agency_id=agency_id, user=user)
    flows.set_staff_share(agency=agency, user=user, share_bps=payload.share_bps)
    return _agency_balances_out(
        *queries.agency_staff_balances(agency_id=agency_id, user=user)
    )


@router.post(
    "/agencies/{agency_id}/staff/{staff_id}/payments",
    response={201: StaffPayoutOut},
    summary="Record that the agency paid a staff member",
    description="Moves `amount` of the staff member's available earnings to the "
    "agency's available balance (the agency paid them itself; the platform "
    "pays the agency). The same `reference` records once. 404 for anyone but "
    "the owner and managers; 409 `insufficient_funds` above their available "
    "balance.",
)
def record_staff_payment(
    request: HttpRequest, agency_id: str, staff_id: str, payload: StaffPayoutIn
):
    user = _caller(request)
    agency, _rows = queries.agency_staff_balances(agency_id=agency_id, user=user)
    staff = queries.agency_staff_member(agency=agency, staff_id=staff_id)
    entry = flows.record_staff_payout(
        staff=staff,
        user=user,
        amount=payload.amount,
        currency=payload.currency,
        reference=payload.reference,
    )
    return Status(
        201,
        {
            "entry_id": entry.public_id,
            "staff_id": staff.public_id,
            "amount": _money(payload.amount, payload.currency),
        },
    )
