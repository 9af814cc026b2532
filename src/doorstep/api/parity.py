"""Web ↔ API parity: every web route that takes a POST (an action a person
takes on the website), and the API operation that does the same — or, said
out loud, why there is none (an exemption) or that there is none yet (a gap).

``api/tests/test_parity.py`` fails when a POST route appears without an entry,
when an entry names an operation that does not exist, or when
``docs/api-parity.md`` is not what :func:`render_markdown` makes of this table
(regenerate it with ``DEBUG=true .venv/bin/doorstep shell -c "from
doorstep.api.parity import write_markdown; write_markdown()"``).
"""

from dataclasses import dataclass
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "api-parity.md"


@dataclass(frozen=True)
class Api:
    """The operations (``"METHOD /path"`` under ``/api/v1``) that do it."""

    operations: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Exempt:
    """Not an action an API client takes; ``why`` says what it is instead."""

    why: str


@dataclass(frozen=True)
class Gap:
    """An action the API cannot take yet; ``ops`` for the back office's."""

    what: str
    ops: bool = False


def ops_gap(what: str) -> Gap:
    return Gap(what, ops=True)


def api(*operations: str, note: str = "") -> Api:
    return Api(operations, note)


GATEWAY_PAGE = Exempt(
    "The sandbox gateway's own hosted page, standing in for a real gateway's."
)
INBOUND = Exempt("Called by an outside service (signed), not by a person.")

PARITY: dict[str, Api | Exempt | Gap] = {
    # --- Account ------------------------------------------------------------------
    "set_language": api(
        "PATCH /me", note="`language`; the API also reads Accept-Language."
    ),
    "accounts:phone_login": api("POST /auth/phone/code"),
    "accounts:phone_verify": api("POST /auth/phone/verify"),
    "accounts:profile": api("PATCH /me"),
    "accounts:provider": api("POST /me/provider", "PATCH /me/provider"),
    "accounts:delete": api("DELETE /me"),
    "accounts:addresses": api("POST /me/addresses"),
    "accounts:address_edit": api("PATCH /me/addresses/{address_id}"),
    "accounts:address_default": api(
        "PATCH /me/addresses/{address_id}", note="`is_default: true`"
    ),
    "accounts:address_delete": api("DELETE /me/addresses/{address_id}"),
    "legal:accept": api("POST /me/terms/accept"),
    "legal:export": api("GET /me/export"),
    "notifications:read_all": api("POST /notifications/read-all"),
    "notifications:preferences": api("PUT /me/notification-preferences"),
    "notifications:read": api("POST /notifications/{notification_id}/read"),
    "payment_methods:make_default": api("POST /me/payment-methods/{method_id}/default"),
    "payment_methods:remove": api("DELETE /me/payment-methods/{method_id}"),
    # --- Provider: listings, hours, calendar --------------------------------------
    "catalog:dashboard_create": api("POST /me/listings"),
    "catalog:dashboard_edit": api("PATCH /me/listings/{listing_id}"),
    "catalog:dashboard_publish": api("POST /me/listings/{listing_id}/publish"),
    "catalog:dashboard_pause": api("POST /me/listings/{listing_id}/pause"),
    "catalog:dashboard_unpublish": api("POST /me/listings/{listing_id}/unpublish"),
    "catalog:dashboard_delete": api("DELETE /me/listings/{listing_id}"),
    "catalog:dashboard_add_ons": api(
        "POST /me/listings/{listing_id}/add-ons",
        "PATCH /me/listings/{listing_id}/add-ons/{add_on_id}",
        "DELETE /me/listings/{listing_id}/add-ons/{add_on_id}",
        note="the web saves the whole list at once; the API one add-on at a time",
    ),
    "catalog:dashboard_add_photo": api("POST /me/listings/{listing_id}/photos"),
    "catalog:dashboard_remove_photo": api(
        "DELETE /me/listings/{listing_id}/photos/{photo_id}"
    ),
    "scheduling:availability": api("PUT /me/availability"),
    "scheduling:add_exception": api("POST /me/availability/exceptions"),
    "scheduling:remove_exception": api(
        "DELETE /me/availability/exceptions/{exception_id}"
    ),
    "scheduling:calendar_feed": api(
        "POST /me/calendar-feed", "DELETE /me/calendar-feed"
    ),
    "promotions:promote": api("POST /me/listings/{listing_id}/promotions"),
    "promotions:change": api(
        "POST /me/promotions/{promotion_id}/pause",
        "POST /me/promotions/{promotion_id}/resume",
        "POST /me/promotions/{promotion_id}/cancel",
    ),
    "subscriptions:subscribe": api("POST /me/subscription"),
    "subscriptions:new_card": api(
        "POST /me/subscription/checkout",
        "POST /me/subscription/checkout/{intent_id}/complete",
        note="open `next_action_url`, then complete",
    ),
    "subscriptions:change": api("POST /me/subscription"),
    "subscriptions:cancel": api("DELETE /me/subscription"),
    "subscriptions:resume": api("POST /me/subscription/resume"),
    "subscriptions:set_card": api("POST /me/subscription", note="`payment_method`"),
    "recommendations:toggle": api(
        "POST /me/favourites",
        "DELETE /me/favourites/{favourite_id}",
        note="the heart saves, or unsaves what is saved",
    ),
    "recommendations:remove": api("DELETE /me/favourites/{favourite_id}"),
    "recurring:new": api("POST /recurring/series"),
    "recurring:act": api(
        "POST /recurring/series/{series_id}/pause",
        "POST /recurring/series/{series_id}/resume",
        "POST /recurring/series/{series_id}/end",
        "POST /recurring/series/{series_id}/accept",
        "POST /recurring/series/{series_id}/decline",
        "POST /recurring/series/{series_id}/withdraw-acceptance",
        "POST /recurring/series/{series_id}/card",
        "POST /recurring/series/{series_id}/price-changes",
        "POST /recurring/price-changes/{change_id}/{answer}",
        note="one web route, the action in its path",
    ),
    "recurring:visit": api(
        "POST /recurring/visits/{visit_id}/skip",
        "POST /recurring/visits/{visit_id}/move",
        "POST /recurring/visits/{visit_id}/accept",
        "POST /recurring/visits/{visit_id}/decline",
        note="one web route, the action in its path",
    ),
    "trust:verification": api("POST /me/verification/documents"),
    "trust:submit": api("POST /me/verification/submit"),
    "badges:provider_check": api("POST /me/background-check/consent"),
    "standards:appeal": api("POST /provider/strikes/{strike_id}/appeal"),
    # --- Booking and orders -------------------------------------------------------
    "orders:book": api("POST /orders"),
    "dispatch:book": api("POST /dispatch/orders"),
    "orders:transition": api(
        "POST /orders/{order_id}/transitions/{name}",
        "POST /orders/{order_id}/deliver",
        note="`deliver` with proof photos is the multipart `/deliver`",
    ),
    "orders:reschedule": api("POST /orders/{order_id}/reschedule"),
    "orders:reschedule_answer": api(
        "POST /orders/{order_id}/reschedule/{request_id}/answer"
    ),
    "growth:order_discounts": api("PUT /orders/{order_id}/discounts"),
    "payment_methods:pay_with_saved": api(
        "POST /orders/{order_id}/payment/saved-method"
    ),
    "payments:answer_extra_charge": api(
        "POST /orders/{order_id}/extra-charges/{charge_id}/approve",
        "POST /orders/{order_id}/extra-charges/{charge_id}/decline",
    ),
    "reviews:order": api(
        "POST /orders/{order_id}/reviews",
        "POST /orders/{order_id}/reviews/with-photos",
        note="photos: the multipart `/with-photos`",
    ),
    "reviews:reply": api("POST /reviews/{review_id}/reply"),
    "reviews:report": api("POST /reviews/{review_id}/report"),
    "messaging:start_inquiry": api("POST /conversations"),
    "messaging:send": api("POST /conversations/{conversation_id}/messages"),
    # --- Quotes -------------------------------------------------------------------
    "quotes:new_request": api("POST /quote-requests"),
    "quotes:cancel": api("POST /quote-requests/{request_id}/cancel"),
    "quotes:counter": api("POST /quotes/{quote_id}/counter"),
    "quotes:hire": api("POST /quotes/{quote_id}/hire"),
    "quotes:message": api("POST /conversations"),
    "quotes:quote": api("POST /me/quote-invitations/{invitation_id}/quote"),
    "quotes:decline": api("POST /me/quote-invitations/{invitation_id}/decline"),
    "quotes:revise": api("POST /quotes/{quote_id}/revise"),
    "quotes:withdraw": api("POST /quotes/{quote_id}/withdraw"),
    # --- Support, disputes, claims ------------------------------------------------
    "support:new_ticket": api("POST /support/tickets"),
    "support:reply": api("POST /support/tickets/{ticket_id}/messages"),
    "support:rate": api("POST /support/tickets/{ticket_id}/rating"),
    "support:survey": api("POST /me/surveys/{survey_id}/answer"),
    "disputes:open": api("POST /orders/{order_id}/disputes"),
    "disputes:respond": api("POST /disputes/{dispute_id}/response"),
    "disputes:take_offer": api(
        "POST /disputes/{dispute_id}/offer/accept",
        "POST /disputes/{dispute_id}/offer/decline",
    ),
    "disputes:evidence": api("POST /disputes/{dispute_id}/evidence"),
    "claims:file_warranty": api("POST /orders/{order_id}/warranty-claims"),
    "claims:file_guarantee": api("POST /orders/{order_id}/guarantee-claims"),
    "claims:warranty_action": api(
        "POST /warranty-claims/{claim_id}/redo-offer",
        "POST /warranty-claims/{claim_id}/decline",
        "POST /warranty-claims/{claim_id}/accept-redo",
        "POST /warranty-claims/{claim_id}/decline-redo",
    ),
    # --- Money --------------------------------------------------------------------
    "payments:request_payout": api("POST /me/payouts"),
    "payments:setup_payouts": api("POST /me/payout-account/onboarding-link"),
    "payments:set_staff_share": api("PUT /agencies/{agency_id}/staff-share"),
    "payments:record_staff_payment": api(
        "POST /agencies/{agency_id}/staff/{staff_id}/payments"
    ),
    "payments:webhook": INBOUND,
    "badges:check_webhook": INBOUND,
    "payments:sandbox_connect": GATEWAY_PAGE,
    "sandbox:pay": GATEWAY_PAGE,
    "sandbox:challenge": GATEWAY_PAGE,
    # --- Workers and agencies -----------------------------------------------------
    "work:accept": api("POST /work/offers/{offer_id}/accept"),
    "work:decline": api("POST /work/offers/{offer_id}/decline"),
    "work:duty": api("POST /work/duty"),
    "work:sharing": api("POST /work/location-sharing"),
    "work:step": api(
        "POST /work/jobs/{order_id}/steps/{name}", "POST /work/jobs/{order_id}/deliver"
    ),
    "agencies:create": api("POST /agency"),
    "agencies:invite": api("POST /agency/invitations"),
    "agencies:accept_mine": api("POST /me/agency-invitations/{invitation_id}/accept"),
    "agencies:invitation_action": api(
        "POST /agency/invitations/{invitation_id}/resend",
        "POST /agency/invitations/{invitation_id}/revoke",
    ),
    "agencies:join": api("POST /agency/invitations/accept"),
    "agencies:update_profile": api("PATCH /agency/staff/{staff_id}"),
    "agencies:update_skills": api("PATCH /agency/staff/{staff_id}"),
    "agencies:change_role": api("POST /agency/staff/{staff_id}/role"),
    "agencies:deactivate": api("POST /agency/staff/{staff_id}/deactivate"),
    "agencies:set_hours": api("PUT /agency/staff/{staff_id}/hours"),
    "agencies:add_time_off": api("POST /agency/staff/{staff_id}/time-off"),
    "agencies:add_training": api("POST /agency/staff/{staff_id}/training"),
    "agencies:add_assessment": api("POST /agency/staff/{staff_id}/assessments"),
    "agencies:upload_document": api("POST /agency/staff/{staff_id}/documents"),
    # --- Integrations -------------------------------------------------------------
    "webhooks:create": api("POST /webhooks/endpoints"),
    "webhooks:edit": api("PATCH /webhooks/endpoints/{endpoint_id}"),
    "webhooks:toggle": api("PATCH /webhooks/endpoints/{endpoint_id}"),
    "webhooks:rotate": api("POST /webhooks/endpoints/{endpoint_id}/rotate-secret"),
    "webhooks:test": api("POST /webhooks/endpoints/{endpoint_id}/test"),
    "webhooks:delete": api("DELETE /webhooks/endpoints/{endpoint_id}"),
    "webhooks:replay": api(
        "POST /webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/replay"
    ),
    # --- Ops: orders, money, dispatch, support ------------------------------------
    "orders:ops_transition": api(
        "POST /ops/orders/{order_id}/transitions/{name}", "GET /ops/orders/{order_id}"
    ),
    "payments:ops_approve": api("POST /ops/payouts/batches"),
    "payments:fund_guarantee": api("POST /ops/finance/guarantee-fund/fundings"),
    "dispatch_board:assign": api("POST /ops/dispatch/jobs/{order_id}/assign"),
    "dispatch_board:unassign": api("POST /ops/dispatch/jobs/{order_id}/unassign"),
    "dispatch_board:promises": api("PUT /ops/dispatch/promises"),
    "dispatch_board:delete_promise": api(
        "POST /ops/dispatch/promises/{promise_id}/remove"
    ),
    "support:ops_reply": api("POST /ops/support/tickets/{ticket_id}/messages"),
    "support:ops_update": api(
        "POST /ops/support/tickets/{ticket_id}/assign",
        "POST /ops/support/tickets/{ticket_id}/queue",
        "POST /ops/support/tickets/{ticket_id}/status",
        "POST /ops/support/tickets/{ticket_id}/priority",
    ),
    "support:ops_canned": api("POST /ops/support/canned-replies"),
    "support:ops_canned_edit": api("PUT /ops/support/canned-replies/{reply_id}"),
    "support:ops_canned_delete": api("DELETE /ops/support/canned-replies/{reply_id}"),
    "support:ops_sla": api(
        "PUT /ops/support/sla/{priority}",
        note="the web saves one priority's targets at a time, as the API does",
    ),
    "support:ops_help_new": api("POST /ops/help/articles"),
    "support:ops_help_edit": api("PUT /ops/help/articles/{article_id}"),
    "support:ops_help_publish": api(
        "POST /ops/help/articles/{article_id}/publish",
        "POST /ops/help/articles/{article_id}/unpublish",
    ),
    "disputes:ops_page": api("POST /ops/disputes/{dispute_id}/decision"),
    "claims_ops:warranty": api("POST /ops/warranty-claims/{claim_id}/decision"),
    "claims_ops:guarantee": api("POST /ops/guarantee-claims/{claim_id}/decision"),
    # --- Ops: trust and safety ----------------------------------------------------
    "backoffice:decide_review": api(
        "POST /reviews/{review_id}/hide", "POST /reviews/{review_id}/dismiss-reports"
    ),
    "reviews:ops_report_decide": api(
        "POST /reviews/{review_id}/hide",
        "POST /reviews/{review_id}/dismiss-reports",
        note="the API dismisses a review's open reports together, not one by one",
    ),
    "reviews:ops_flag": api("POST /ops/reviews/flags/{flag_id}/decision"),
    "reviews:ops_testimonials": api(
        "POST /ops/testimonials", "DELETE /ops/testimonials/{review_id}"
    ),
    "messaging:ops_flag": api("POST /ops/messages/flags/{flag_id}/decision"),
    "trust:ops_decide": api(
        "POST /ops/verification/applications/{application_id}/decision"
    ),
    "trust:ops_review_document": api(
        "POST /ops/verification/documents/{document_id}/decision"
    ),
    "trust:ops_requirements": api("POST /ops/verification/requirements"),
    "trust:ops_add_document_type": api("POST /ops/verification/document-types"),
    "trust:ops_change_requirement": api(
        "PATCH /ops/verification/requirements/{requirement_id}",
        "DELETE /ops/verification/requirements/{requirement_id}",
    ),
    "badges:ops_start_check": api("POST /ops/background-checks"),
    "badges:ops_check": api("POST /ops/background-checks/{check_id}/decision"),
    "badges:ops_top_provider": api("PATCH /ops/top-provider/rules"),
    "standards:ops_rule": api("PUT /ops/standards/rules/{trigger}"),
    "standards:ops_provider_action": api(
        "POST /ops/standards/providers/{provider_id}/standing",
        "POST /ops/standards/providers/{provider_id}/standing/lift",
        "POST /ops/standards/providers/{provider_id}/complaints",
        note="the web's `set`, `lift` and `complaint` actions",
    ),
    "standards:ops_appeal": api("POST /ops/standards/appeals/{appeal_id}/decision"),
    "webhooks:ops_disable": api("POST /ops/webhooks/endpoints/{endpoint_id}/disable"),
    # --- Ops: marketplace settings, growth, plans, legal, schedule ----------------
    "marketplace:branding": api(
        "PUT /ops/settings/branding", "POST /ops/settings/branding/logo"
    ),
    "marketplace:fees": api(
        "PATCH /ops/settings/fees", "PATCH /ops/settings/fees/currency-amounts"
    ),
    "marketplace:exchange_rates": api("POST /ops/settings/exchange-rates"),
    "marketplace:cities": api("POST /ops/settings/cities"),
    "marketplace:city": api("PATCH /ops/settings/cities/{slug}"),
    "marketplace:categories": api("POST /ops/settings/categories"),
    "marketplace:category": api("PATCH /ops/settings/categories/{category_id}"),
    "marketplace:move_category": api(
        "POST /ops/settings/categories/{category_id}/move"
    ),
    "taxes:regions": api("POST /ops/settings/tax-regions"),
    "taxes:region": api(
        "PUT /ops/settings/tax-regions/{region_id}",
        "POST /ops/settings/tax-regions/{region_id}/rules",
    ),
    "taxes:end_rule": api(
        "POST /ops/settings/tax-regions/{region_id}/rules/{rule_id}/end"
    ),
    "commissions:limits": api("PUT /ops/settings/commission-limits"),
    "commissions:remove_limit": api(
        "POST /ops/settings/commission-limits/{limit_id}/remove"
    ),
    "growth_ops:campaign_create": api("POST /ops/growth/campaigns"),
    "growth_ops:referral_review": api(
        "POST /ops/growth/referrals/{referral_id}/review"
    ),
    "growth_ops:campaign_status": api(
        "POST /ops/growth/campaigns/{campaign_id}/status"
    ),
    "growth_ops:coupon_create": api("POST /ops/growth/campaigns/{campaign_id}/codes"),
    "growth_ops:batch_create": api("POST /ops/growth/campaigns/{campaign_id}/batches"),
    "subscriptions:ops_plan_create": api("POST /ops/plans"),
    "subscriptions:ops_plan": api("PUT /ops/plans/{plan_id}"),
    "subscriptions:ops_plan_status": api("POST /ops/plans/{plan_id}/status"),
    "legal:ops_new_version": api("POST /ops/legal/{document}/versions"),
    "periodic:ops_run_job": api("POST /ops/schedule/{name}/run"),
}


def _cell(entry: Api | Exempt | Gap) -> tuple[str, str]:
    if isinstance(entry, Api):
        operations = "<br>".join(f"`{operation}`" for operation in entry.operations)
        return operations + (f" ({entry.note})" if entry.note else ""), "done"
    if isinstance(entry, Exempt):
        return entry.why, "exempt"
    return entry.what, "**gap**"


def render_markdown() -> str:
    counts = {"done": 0, "exempt": 0, "**gap**": 0}
    rows = []
    for name in sorted(PARITY):
        text, status = _cell(PARITY[name])
        counts[status] += 1
        rows.append(f"| `{name}` | {status} | {text} |")
    ops_gaps = sum(
        1 for entry in PARITY.values() if isinstance(entry, Gap) and entry.ops
    )
    return "\n".join(
        [
            "# Web ↔ API parity",
            "",
            "Every web route that takes a POST — an action a person takes on the "
            "website — and the API operation (under `/api/v1`) that does the same, "
            "calling the same service function. Generated from "
            "`src/doorstep/api/parity.py`; `src/doorstep/api/tests/test_parity.py` "
            "fails when a new POST route has no entry there, when an entry names "
            "an operation that does not exist, or when this page is stale. "
            'Regenerate: `DEBUG=true .venv/bin/doorstep shell -c "from '
            'doorstep.api.parity import write_markdown; write_markdown()"`.',
            "",
            "Not listed: allauth's own pages (password, e-mail addresses, MFA set-up), "
            "the Django admin, and GET-only pages (every read has an API operation "
            "or is a page layout). The booking page's price preview is "
            "`GET /services/{listing_id}/price` (the same `price_booking`).",
            "",
            f"Done: {counts['done']} · exempt: {counts['exempt']} · "
            f"gaps: {counts['**gap**']}, of which {ops_gaps} in the back office.",
            "",
            "| web route | state | API operation |",
            "| --- | --- | --- |",
            *rows,
            "",
        ]
    )


def write_markdown() -> None:
    DOC.write_text(render_markdown())
