"""Every error code the product answers with, said once.

A code is what API clients branch on, so it is part of the public contract: each
one has exactly one HTTP status and a line that the OpenAPI document shows. A
:class:`~doorstep.core.errors.DomainError` refuses a code that is not listed
here, and ``core/tests/test_error_codes.py`` reads every ``raise`` in the source
to catch one before it runs.

To add a code: add a member below (keep the order alphabetical), raise it with
``DomainError("the_code", _("Message for people."))``; the status comes from here.
"""

from enum import StrEnum
from http import HTTPStatus


class ErrorCode(StrEnum):
    """``NAME = "code", status, "what it means (for client developers)"``."""

    status: int
    description: str

    def __new__(cls, code: str, status: int, description: str) -> "ErrorCode":
        member = str.__new__(cls, code)
        member._value_ = code
        member.status = status
        member.description = description
        return member

    # --- Raised by the framework around the services -------------------------------
    BAD_REQUEST = "bad_request", 400, "The request could not be read (e.g. not JSON)."
    CONFLICT = "conflict", 409, "The request conflicts with the current state."
    CSRF_FAILED = "csrf_failed", 403, "A signed-in browser session sent no CSRF token."
    FORBIDDEN = "forbidden", 403, "You are not allowed to do this."
    INVALID_INPUT = "invalid_input", 400, "Some fields are not valid; see `errors`."
    METHOD_NOT_ALLOWED = (
        "method_not_allowed",
        405,
        "This path does not take this method.",
    )
    NOT_AUTHENTICATED = (
        "not_authenticated",
        401,
        "Sign in, or send a valid bearer token.",
    )
    NOT_FOUND = "not_found", 404, "No such thing (or not one you may see)."
    RATE_LIMITED = "rate_limited", 429, "Too many requests from this address; wait."
    REQUIREMENT_NOT_ASKED = (
        "requirement_not_asked",
        422,
        "Not one of the documents asked of this provider (see GET /me/verification).",
    )
    RULE_BROKEN = "rule_broken", 422, "The request breaks a business rule."
    SERVER_ERROR = "server_error", 500, "Something went wrong on our side."

    # --- Raised by services ---------------------------------------------------------
    ACCOUNT_HAS_BALANCE = (
        "account_has_balance",
        409,
        "The account still has money to pay out; it cannot close yet.",
    )
    ACCOUNT_HAS_OPEN_ORDERS = (
        "account_has_open_orders",
        409,
        "The account has orders under way; it cannot close yet.",
    )
    ACCOUNT_INACTIVE = "account_inactive", 403, "The account is deactivated."
    ACTOR_NOT_ALLOWED = (
        "actor_not_allowed",
        403,
        "Your role on the order may not do this.",
    )
    ADDRESS_NOT_FOUND = "address_not_found", 404, "No such saved address."
    ADD_ON_NOT_FOUND = "add_on_not_found", 404, "No such add-on on this service."
    AGENCY_NOT_FOUND = "agency_not_found", 404, "No such agency of yours."
    ALREADY_IN_AGENCY = "already_in_agency", 409, "You already belong to an agency."
    ALREADY_STAFF = "already_staff", 409, "This person already works for the agency."
    APPEAL_DECIDED = "appeal_decided", 409, "The appeal was already decided."
    APPEAL_EXISTS = "appeal_exists", 409, "The strike was already appealed."
    APPEAL_NOT_FOUND = "appeal_not_found", 404, "No such appeal."
    ALREADY_AUTHORISED = "already_authorised", 409, "The order was already paid for."
    ALREADY_HIDDEN = "already_hidden", 409, "The review is already hidden."
    ALREADY_PICKED = "already_picked", 409, "The review is already a testimonial."
    ALREADY_PROVIDER = "already_provider", 409, "You are already a provider."
    ALREADY_REPLIED = "already_replied", 409, "The review already has a reply."
    ALREADY_REPORTED = "already_reported", 409, "You already reported this review."
    ALREADY_REVIEWED = "already_reviewed", 409, "You already reviewed this order."
    ALREADY_VOIDED = (
        "already_voided",
        409,
        "The gateway had already released this payment.",
    )
    APPLICATION_NOT_FOUND = (
        "application_not_found",
        404,
        "No such provider application.",
    )
    APPLICATION_NOT_OPEN = (
        "application_not_open",
        409,
        "The provider application is not in a state that allows this.",
    )
    ASAP_NOT_OFFERED = (
        "asap_not_offered",
        422,
        "This service is booked for a time here, not as soon as possible.",
    )
    BACKGROUND_CHECK_CLOSED = (
        "background_check_closed",
        409,
        "The background check is not waiting for an ops decision.",
    )
    BACKGROUND_CHECK_CONSENT_REQUIRED = (
        "background_check_consent_required",
        422,
        "The provider has not consented to a background check.",
    )
    BACKGROUND_CHECK_NOT_FOUND = (
        "background_check_not_found",
        404,
        "No such background check.",
    )
    BACKGROUND_CHECK_OPEN = (
        "background_check_open",
        409,
        "A background check of this provider is already in progress.",
    )
    BACKGROUND_CHECK_REFUSED = (
        "background_check_refused",
        422,
        "The background-check vendor refused to start the check.",
    )
    BACKGROUND_CHECK_UNAVAILABLE = (
        "background_check_unavailable",
        503,
        "The background-check vendor cannot be reached; retry.",
    )
    BAD_SIGNATURE = (
        "bad_signature",
        400,
        "The gateway's message was not signed correctly.",
    )
    BELOW_MINIMUM_PAYOUT = (
        "below_minimum_payout",
        422,
        "The payout is below the minimum.",
    )
    BOOKING_WITHDRAWN = (
        "booking_withdrawn",
        409,
        "The booking was withdrawn (card refused).",
    )
    CANNOT_PUBLISH = (
        "cannot_publish",
        422,
        "The service is not complete enough to publish.",
    )
    CANNOT_RESCHEDULE = (
        "cannot_reschedule",
        409,
        "The order cannot be moved in its state.",
    )
    CAPTURE_FAILED = "capture_failed", 422, "The bank refused to take the payment."
    AUTHENTICATION_FAILED = (
        "authentication_failed",
        422,
        "The card issuer's challenge (3-D Secure) was not passed.",
    )
    CARD_DECLINED = "card_declined", 422, "The card was declined; try another card."
    CARD_REQUIRED = "card_required", 422, "A card is needed to pay."
    CASH_LIMIT_REACHED = (
        "cash_limit_reached",
        422,
        "The provider owes too much commission on cash jobs to take another.",
    )
    CATEGORY_NOT_FOUND = (
        "category_not_found",
        404,
        "No such category (or not on sale).",
    )
    CHANNEL_NOT_OFFERED = (
        "channel_not_offered",
        422,
        "The channel is not offered for this kind.",
    )
    CLAIM_ANSWERED = (
        "claim_answered",
        409,
        "The claim has moved past this step (answered, escalated or decided).",
    )
    CLAIM_EXISTS = (
        "claim_exists",
        409,
        "An open claim of this kind exists for the order.",
    )
    CLAIM_NOT_FOUND = "claim_not_found", 404, "No such claim of yours."
    CLAIM_WINDOW_CLOSED = (
        "claim_window_closed",
        422,
        "Too late (or too early) to claim for this order.",
    )
    CODE_EXPIRED = "code_expired", 401, "The SMS code has expired; request a new one."
    CONVERSATION_NOT_FOUND = (
        "conversation_not_found",
        404,
        "No such conversation of yours.",
    )
    COUNTER_USED = (
        "counter_used",
        409,
        "The customer's one counter-offer on this quote was made.",
    )
    CURRENCY_MISMATCH = (
        "currency_mismatch",
        422,
        "`currency` is not the currency of `price`.",
    )
    CURRENCY_NOT_TAKEN = (
        "currency_not_taken",
        422,
        "`currency` is empty or not one the marketplace takes payments in.",
    )
    DAY_OFF = "day_off", 422, "The provider does not work at this time."
    DISPUTE_CLOSED = "dispute_closed", 409, "The dispute is settled or decided."
    DISPUTE_EXISTS = "dispute_exists", 409, "The order already has a dispute."
    DISPUTE_NOT_FOUND = "dispute_not_found", 404, "No such dispute."
    DISPUTE_ON_EVIDENCE = (
        "dispute_on_evidence",
        409,
        "Problems are reported and decided as disputes (POST /orders/{id}/disputes).",
    )
    DISPUTE_NOT_WAITING = (
        "dispute_not_waiting",
        409,
        "The dispute is not waiting for this step from you (see its status).",
    )
    DISPUTE_WINDOW_CLOSED = (
        "dispute_window_closed",
        422,
        "A dispute opens while the job is delivered or within the window after "
        "its completion.",
    )
    DOCUMENTS_MISSING = (
        "documents_missing",
        422,
        "Mandatory documents are missing; see `errors`.",
    )
    DOCUMENT_ALREADY_DECIDED = (
        "document_already_decided",
        409,
        "The document was already reviewed or replaced.",
    )
    DOCUMENT_NOT_FOUND = "document_not_found", 404, "No such document."
    DOCUMENT_TOO_BIG = (
        "document_too_big",
        422,
        "The document file is over the size limit (10 MB).",
    )
    EMAIL_TAKEN = "email_taken", 409, "An account with this e-mail address exists."
    EMAIL_UNVERIFIED = "email_unverified", 403, "Confirm the e-mail address first."
    EMPTY_MESSAGE = "empty_message", 400, "A message needs text or an attachment."
    EXCEPTION_NOT_FOUND = "exception_not_found", 404, "No such availability exception."
    EXTRA_ANSWERED = "extra_answered", 409, "The extra charge was already answered."
    EXTRA_DECLINED = "extra_declined", 409, "The extra charge was declined."
    EXTRA_NOT_ALLOWED = (
        "extra_not_allowed",
        409,
        "No extra charge in the order's state.",
    )
    EXTRA_NOT_FOUND = "extra_not_found", 404, "No such extra charge on this order."
    FLAG_ALREADY_DECIDED = (
        "flag_already_decided",
        409,
        "The flag has already been decided.",
    )
    FLAG_NOT_FOUND = "flag_not_found", 404, "No such flag."
    FULLY_BOOKED_DAY = "fully_booked_day", 422, "The provider is fully booked that day."
    GATEWAY_UNAVAILABLE = (
        "gateway_unavailable",
        503,
        "The payment service is down; retry.",
    )
    HELP_ARTICLE_NOT_FOUND = (
        "help_article_not_found",
        404,
        "No such help article (or not published).",
    )
    HELP_SLUG_TAKEN = "help_slug_taken", 409, "Another help article has this address."
    HOLD_EXPIRED = "hold_expired", 409, "The hold on the time has expired."
    HOLD_MISMATCH = "hold_mismatch", 409, "The hold is for another time or service."
    IDEMPOTENCY_KEY_REQUIRED = (
        "idempotency_key_required",
        400,
        "Send an `Idempotency-Key` header.",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        422,
        "The `Idempotency-Key` was used with other parameters.",
    )
    IDEMPOTENCY_MISMATCH = (
        "idempotency_mismatch",
        422,
        "The `Idempotency-Key` was used for a different request.",
    )
    ILLEGAL_TRANSITION = (
        "illegal_transition",
        409,
        "The order cannot do this in its state.",
    )
    INSUFFICIENT_FUNDS = "insufficient_funds", 409, "The balance does not cover this."
    INSUFFICIENT_PLATFORM_FUNDS = (
        "insufficient_platform_funds",
        409,
        "The platform's gateway balance cannot cover this now.",
    )
    INSUFFICIENT_SCOPE = (
        "insufficient_scope",
        403,
        "The bearer token lacks the scope this operation needs (`read` for safe "
        "methods, `write` for unsafe ones, plus `ops` for the back office); the "
        "`WWW-Authenticate` header names it.",
    )
    INVALID_AMOUNT = "invalid_amount", 422, "The amount is not allowed here."
    INVALID_CODE = "invalid_code", 401, "The SMS code is not right."
    INVALID_CREDENTIALS = (
        "invalid_credentials",
        401,
        "Wrong e-mail address or password.",
    )
    INVALID_CURSOR = "invalid_cursor", 400, "The page cursor is not valid."
    INVALID_DATE = (
        "invalid_date",
        422,
        "Written like a date, but the calendar has no such day.",
    )
    INVALID_DOCUMENT = (
        "invalid_document",
        422,
        "The file is not a PDF or a JPEG, PNG or WebP image.",
    )
    INVALID_DATE_RANGE = (
        "invalid_date_range",
        422,
        "`to` is before `from`, or the range is longer than allowed.",
    )
    INVALID_LISTING = (
        "invalid_listing",
        422,
        "The service breaks a catalogue rule (a category that is not offered or "
        "not specific enough, a price its pricing model needs, one coordinate "
        "without the other); see `errors`.",
    )
    INVALID_PERIOD = (
        "invalid_period",
        422,
        "The period ends before it starts, is too long, or has too many day points "
        "(ask for weeks or months); see `errors`.",
    )
    INVALID_PHONE = (
        "invalid_phone",
        422,
        "Written like a phone number, but no such number can exist.",
    )
    INVALID_PHOTO = "invalid_photo", 400, "The file is not a JPEG, PNG or WebP image."
    INVALID_SCHEDULE = (
        "invalid_schedule",
        422,
        "Hours or dates that break a scheduling rule (an end not after its start, "
        "overlapping hours, a date in the past); see `errors`.",
    )
    INVALID_SEARCH = "invalid_search", 400, "Some search filters are not valid."
    INVALID_STARS = "invalid_stars", 400, "Stars must be from 1 to 5."
    INVALID_TIME = "invalid_time", 400, "The time has no time zone."
    INVITATION_ANSWERED = (
        "invitation_answered",
        409,
        "This request for quotes was already answered.",
    )
    INVITATION_CLOSED = (
        "invitation_closed",
        409,
        "The invitation was accepted, revoked or has expired.",
    )
    INVITATION_EXISTS = (
        "invitation_exists",
        409,
        "An open invitation to this address exists; re-send it instead.",
    )
    INVITATION_FOR_SOMEONE_ELSE = (
        "invitation_for_someone_else",
        403,
        "The invitation was sent to another e-mail address or phone number.",
    )
    INVITATION_LAPSED = (
        "invitation_lapsed",
        409,
        "The time to answer this request for quotes ran out.",
    )
    INVITATION_NOT_FOUND = "invitation_not_found", 404, "No such invitation."
    IN_APP_ALWAYS_ON = (
        "in_app_always_on",
        400,
        "In-app notifications cannot be turned off.",
    )
    IN_PAST = "in_past", 422, "The time has already passed."
    JOB_NOT_FOUND = (
        "job_not_found",
        404,
        "No such periodic job.",
    )
    LISTING_NOT_FOUND = "listing_not_found", 404, "No such service (that you may see)."
    LISTING_PUBLISHED = (
        "listing_published",
        409,
        "Pause the service before deleting it.",
    )
    LISTING_UNAVAILABLE = (
        "listing_unavailable",
        422,
        "The service cannot be booked now.",
    )
    LOCATION_INACCURATE = (
        "location_inaccurate",
        422,
        "The position's accuracy is worse than 1,000 m; it was not kept.",
    )
    LOCATION_NOT_SHARED = (
        "location_not_shared",
        409,
        "Location sharing is off, or the worker is off duty.",
    )
    LOCATION_OUT_OF_RANGE = (
        "location_out_of_range",
        422,
        "Latitude or longitude outside the globe.",
    )
    LOCATION_STALE = (
        "location_stale",
        422,
        "The position was taken more than 2 minutes ago (or in the future).",
    )
    LOCATION_TOO_FREQUENT = (
        "location_too_frequent",
        429,
        "Positions are kept at most every 10 seconds; wait.",
    )
    LOG_ENTRY_NOT_FOUND = (
        "log_entry_not_found",
        404,
        "Nothing with this id is in the transparency log (yet).",
    )
    LOG_INCONSISTENT = (
        "log_inconsistent",
        409,
        "The stored log does not extend its last checkpoint; it was not signed.",
    )
    LOG_INDEX_OUT_OF_RANGE = (
        "log_index_out_of_range",
        422,
        "The entry index or tree size is beyond the transparency log.",
    )
    LOG_NO_CHECKPOINT = (
        "log_no_checkpoint",
        404,
        "The transparency log has published no checkpoint yet.",
    )
    LOG_SIZES_OUT_OF_ORDER = (
        "log_sizes_out_of_order",
        422,
        "The first tree size (or start) is larger than the second (or end).",
    )
    MESSAGE_TOO_LONG = "message_too_long", 400, "The message is too long."
    METRIC_NOT_FOUND = (
        "metric_not_found",
        404,
        "No such metric (see GET /analytics/metrics).",
    )
    METRIC_NOT_SLICEABLE = (
        "metric_not_sliceable",
        422,
        "The metric has no data for this slice (e.g. providers by category), or "
        "is a retention cohort (GET /analytics/cohorts/{metric}).",
    )
    MFA_CODE_INVALID = (
        "mfa_code_invalid",
        403,
        "The second-factor code is not right (or was used already).",
    )
    MFA_REQUIRED = "mfa_required", 403, "The account uses two-factor authentication."
    MFA_SETUP_REQUIRED = (
        "mfa_setup_required",
        403,
        "Ops staff must set up a second factor before getting a token.",
    )
    MISSING_STARS = "missing_stars", 400, "Give from 1 to 5 stars."
    NEW_CARD_AT_CHECKOUT_ONLY = (
        "new_card_at_checkout_only",
        422,
        "The payment service has no page of its own to type a new card on: pay "
        "with a saved card.",
    )
    NOTE_TOO_LONG = "note_too_long", 400, "The note is too long."
    NOTHING_CAPTURED = "nothing_captured", 409, "No money was taken for this order."
    NOTHING_TO_PAY = "nothing_to_pay", 422, "There is nothing to pay."
    NOTIFICATION_NOT_FOUND = "notification_not_found", 404, "No such notification."
    NOT_AN_OFFERED_TIME = (
        "not_an_offered_time",
        422,
        "Hire at one of the start times the quote offers.",
    )
    NOT_AUTHORISED = "not_authorised", 409, "The order has no authorised payment."
    NOT_A_PROVIDER = "not_a_provider", 404, "You have no provider profile yet."
    NOT_A_WORKER = (
        "not_a_worker",
        404,
        "You take no platform jobs (no worker profile).",
    )
    NOT_CASH = "not_cash", 409, "The order is not paid in cash."
    NOT_COMPLETED = "not_completed", 409, "Only a completed order is paid out."
    NOT_HIDDEN = "not_hidden", 409, "The review is not hidden."
    NOT_PICKED = "not_picked", 409, "The review is not a testimonial."
    NOT_PUBLIC_REVIEW = (
        "not_public_review",
        422,
        "Only a published, visible review of a provider can be a testimonial.",
    )
    NOT_PUBLISHED = "not_published", 409, "Only a published service can be paused."
    NOT_SANDBOX = (
        "not_sandbox",
        422,
        "Only the sandbox gateway can do this by itself.",
    )
    NOT_YOUR_REVIEW = "not_your_review", 403, "Only the provider reviewed can reply."
    NO_PROVIDERS_MATCH = (
        "no_providers_match",
        422,
        "No provider serves this job at that place and time.",
    )
    NO_PROVIDER_YET = (
        "no_provider_yet",
        409,
        "The order has no provider to message yet.",
    )
    NO_OPEN_REPORTS = "no_open_reports", 409, "The review has no open reports."
    NO_WARRANTY = "no_warranty", 422, "The order's service carries no warranty."
    OFFER_CLOSED = (
        "offer_closed",
        409,
        "The job offer was already answered, withdrawn or ran out of time.",
    )
    OFFER_NOT_FOUND = "offer_not_found", 404, "No such job offer (or not yours)."
    OFFER_TAKEN = (
        "offer_taken",
        409,
        "Another worker asked at the same time took the job first.",
    )
    OFF_DUTY = (
        "off_duty",
        409,
        "Go on duty first: location is only shared on duty.",
    )
    OPS_MFA_REQUIRED = (
        "ops_mfa_required",
        403,
        "Ops actions need a session or token that passed the second factor.",
    )
    OPS_ONLY = "ops_only", 403, "Only the operations team may do this."
    OPS_SCOPE_NOT_ALLOWED = (
        "ops_scope_not_allowed",
        422,
        "Only operations staff signing in with a second factor may ask for the "
        "`ops` scope.",
    )
    OPS_PERMISSION_REQUIRED = (
        "ops_permission_required",
        403,
        "Your ops role does not include this action.",
    )
    OPS_PHONE_SIGN_IN = (
        "ops_phone_sign_in",
        403,
        "Operations staff cannot use phone codes.",
    )
    ORDER_NOT_COMPLETED = "order_not_completed", 422, "The order is not completed yet."
    ORDER_NOT_FOUND = "order_not_found", 404, "No such order of yours."
    ORDER_NOT_PAYABLE = (
        "order_not_payable",
        409,
        "The order cannot be paid in its state.",
    )
    OUTSIDE_AVAILABILITY = (
        "outside_availability",
        422,
        "Not one of the available times.",
    )
    OUTSIDE_SERVICE_AREA = (
        "outside_service_area",
        422,
        "The address is outside the area.",
    )
    OVER_GUARANTEE_CAP = (
        "over_guarantee_cap",
        422,
        "More than the platform guarantee covers (its cap, or what was claimed).",
    )
    OWNER_PROTECTED = (
        "owner_protected",
        403,
        "The agency's owner cannot be removed or given another role.",
    )
    OWN_LISTING = "own_listing", 422, "This is your own service."
    OWN_PROPOSAL = "own_proposal", 403, "The other side answers your proposal."
    OWN_REVIEW = "own_review", 422, "You cannot report your own review."
    PASSWORD_INCORRECT = "password_incorrect", 403, "The current password is not right."
    PASSWORD_REQUIRED = (
        "password_required",
        422,
        "This account has a password: give it to confirm.",
    )
    PAYMENT_METHOD_NOT_FOUND = (
        "payment_method_not_found",
        404,
        "No such saved payment method of yours.",
    )
    PAYMENT_GATEWAY_UNAVAILABLE = (
        "payment_gateway_unavailable",
        422,
        "This way to pay (a wallet) is not offered here.",
    )
    PAYMENT_METHOD_UNUSABLE = (
        "payment_method_unusable",
        409,
        "The saved card belongs to another payment service; add it again.",
    )
    PAYMENT_NOT_CONFIRMED = (
        "payment_not_confirmed",
        409,
        "The gateway has not confirmed this payment yet.",
    )
    PAYMENT_REQUIRED = (
        "payment_required",
        409,
        "Only an order paid later, or a free redo, is booked without a payment.",
    )
    PAYMENT_TIMING_UNAVAILABLE = (
        "payment_timing_unavailable",
        422,
        "The listing cannot be paid that way (after the service, in cash).",
    )
    PAYMENT_WINDOW_CLOSED = (
        "payment_window_closed",
        409,
        "The order lapsed unpaid; book again.",
    )
    PAYOUTS_NOT_ENABLED = (
        "payouts_not_enabled",
        422,
        "The provider's payout account cannot receive payouts yet.",
    )
    PAYOUT_FAILED = "payout_failed", 422, "The gateway could not send the payout."
    PHOTOS_NOT_ALLOWED = "photos_not_allowed", 400, "Photos are not allowed here."
    PHOTO_MISSING = "photo_missing", 400, "Choose a photo to upload."
    PHOTO_NOT_FOUND = "photo_not_found", 404, "No such photo."
    PHOTO_TOO_BIG = "photo_too_big", 400, "The photo file is too big."
    PHOTO_TOO_LARGE = "photo_too_large", 400, "The photo has too many pixels."
    POLICY_VERSION_CONFLICT = (
        "policy_version_conflict",
        409,
        "Another version of the policy was published at the same moment.",
    )
    POLICY_VERSION_NOT_FOUND = (
        "policy_version_not_found",
        404,
        "No such version of the terms or privacy policy.",
    )
    PLAN_NOT_AVAILABLE = (
        "plan_not_available",
        409,
        "The plan is archived or has no price in this currency and interval.",
    )
    PLAN_NOT_FOUND = "plan_not_found", 404, "No such plan."
    PLAN_UNCHANGED = "plan_unchanged", 409, "You are already on this plan."
    PRICE_REQUIRED = (
        "price_required",
        422,
        "A price is needed, or on quote the currency you will quote in.",
    )
    PROMOTION_BUDGET_RUNNING = (
        "promotion_budget_running",
        409,
        "The service already has a live daily budget promotion.",
    )
    PROMOTION_NOT_ACTIVE = (
        "promotion_not_active",
        409,
        "The promotion is not active (or has ended).",
    )
    PROMOTION_NOT_PAUSED = "promotion_not_paused", 409, "The promotion is not paused."
    PROVIDER_NOT_FOUND = "provider_not_found", 404, "No such provider."
    QUOTE_EXPIRED = (
        "quote_expired",
        409,
        "The quote is past its validity.",
    )
    QUOTE_NOT_FOUND = (
        "quote_not_found",
        404,
        "No such quote (or not one you may see).",
    )
    QUOTE_NOT_OPEN = (
        "quote_not_open",
        409,
        "The quote was hired, withdrawn, not chosen or expired.",
    )
    QUOTE_ONLY = "quote_only", 422, "The service is priced on quote; ask for a price."
    REASON_MISSING = "reason_missing", 400, "Say what is wrong."
    REASON_TOO_LONG = "reason_too_long", 400, "The reason is too long."
    REDO_NOT_OFFERED = (
        "redo_not_offered",
        422,
        "Only the provider can offer to redo the job.",
    )
    REFUND_TOO_LARGE = "refund_too_large", 422, "The refund is more than was taken."
    REPORT_ALREADY_RESOLVED = (
        "report_already_resolved",
        409,
        "The review report has already been resolved.",
    )
    REPORT_NOT_FOUND = "report_not_found", 404, "No such review report."
    REQUEST_CLOSED = (
        "request_closed",
        409,
        "The request for quotes is hired, cancelled or expired.",
    )
    REQUEST_IN_PROGRESS = (
        "request_in_progress",
        409,
        "A request with this `Idempotency-Key` is still running; retry.",
    )
    REQUEST_NOT_FOUND = (
        "request_not_found",
        404,
        "No such request for quotes (or not yours).",
    )
    RESCHEDULE_ANSWERED = (
        "reschedule_answered",
        409,
        "The proposal was already answered.",
    )
    RESCHEDULE_NOT_FOUND = (
        "reschedule_not_found",
        404,
        "No such proposal on this order.",
    )
    RESCHEDULE_PENDING = (
        "reschedule_pending",
        409,
        "Answer the other side's proposal first.",
    )
    RETRY_LATER = "retry_later", 503, "The payment could not be completed now; retry."
    REVIEW_FLAG_ALREADY_DECIDED = (
        "review_flag_already_decided",
        409,
        "The review flag has already been decided.",
    )
    REVIEW_FLAG_NOT_FOUND = "review_flag_not_found", 404, "No such review flag."
    REVIEW_NOT_FOUND = "review_not_found", 404, "No such review."
    REVIEW_NOT_PUBLIC = "review_not_public", 422, "The review is not public yet."
    REVIEW_WINDOW_CLOSED = "review_window_closed", 422, "The time to review has passed."
    REVISION_USED = (
        "revision_used",
        409,
        "The provider's one revision of this quote was made.",
    )
    ROLE_CHANGE_NOT_ALLOWED = (
        "role_change_not_allowed",
        403,
        "Only the agency's owner makes, changes or removes managers.",
    )
    SAME_TIME = "same_time", 422, "The proposed time is the current one."
    SERVICE_NOT_FOUND = "service_not_found", 404, "No such platform service."
    SERVICE_NOT_SOLD_HERE = (
        "service_not_sold_here",
        422,
        "The platform does not sell this service in the address's city.",
    )
    SLA_POLICY_NOT_FOUND = "sla_policy_not_found", 404, "No such service promise."
    SLOT_TAKEN = "slot_taken", 409, "Someone else just booked this time."
    STAFF_NOT_FOUND = "staff_not_found", 404, "No such staff member of yours."
    STAFF_NOT_SERVING = (
        "staff_not_serving",
        422,
        "That staff member does not serve this listing (or is not the agency's).",
    )
    STANDING_ALREADY_GOOD = (
        "standing_already_good",
        409,
        "The provider is in good standing: nothing to lift.",
    )
    START_TIME_NOT_FREE = (
        "start_time_not_free",
        422,
        "A start time offered is not free on the provider's calendar.",
    )
    STATE_CHANGED = (
        "state_changed",
        409,
        "The order changed meanwhile; reload and retry.",
    )
    STRIKE_NOT_FOUND = "strike_not_found", 404, "No such strike of yours."
    STRIKE_REMOVED = "strike_removed", 409, "The strike was removed already."
    SUBSCRIPTION_ACTIVE = (
        "subscription_active",
        409,
        "You already have a plan: change it instead.",
    )
    SUBSCRIPTION_NOT_FOUND = (
        "subscription_not_found",
        404,
        "You have no current plan.",
    )
    SUB_SCORES_NOT_ALLOWED = (
        "sub_scores_not_allowed",
        400,
        "Only customers rate the details.",
    )
    SURVEY_ALREADY_ANSWERED = (
        "survey_already_answered",
        409,
        "This survey was answered already; an answer is given once.",
    )
    SURVEY_NOT_FOUND = "survey_not_found", 404, "No such survey of yours."
    TERMS_NOT_ACCEPTED = (
        "terms_not_accepted",
        403,
        "Accept the current terms and privacy policy first "
        "(`POST /api/v1/me/terms/accept`).",
    )
    TEXT_MISSING = "text_missing", 400, "Write the text."
    TEXT_TOO_LONG = "text_too_long", 400, "The text is too long."
    TOKEN_NOT_FOUND = "token_not_found", 404, "No such token of yours."
    TOO_EARLY_FOR_NO_SHOW = (
        "too_early_for_no_show",
        422,
        "A no-show can be reported only a while after the start.",
    )
    TOO_EARLY_TO_START = (
        "too_early_to_start",
        422,
        "The job cannot start this long before its start time.",
    )
    TOO_FAR_AHEAD = "too_far_ahead", 422, "The time is too far ahead to book."
    TOO_MANY_ADDRESSES = (
        "too_many_addresses",
        422,
        "You have the most addresses allowed.",
    )
    TOO_MANY_ADD_ONS = (
        "too_many_add_ons",
        422,
        "The service has the most add-ons allowed.",
    )
    TOO_MANY_ATTEMPTS = (
        "too_many_attempts",
        429,
        "Too many wrong codes; request a new one.",
    )
    TOO_MANY_CODES = (
        "too_many_codes",
        429,
        "Too many codes requested; wait a few minutes.",
    )
    TOO_MANY_LOGIN_ATTEMPTS = (
        "too_many_login_attempts",
        429,
        "Too many wrong passwords for this account; wait.",
    )
    TOO_MANY_PHOTOS = "too_many_photos", 400, "Too many photos."
    TOO_SOON = "too_soon", 422, "The time is sooner than the provider's notice."
    TRAINING_RECORD_NOT_FOUND = (
        "training_record_not_found",
        404,
        "No such training record.",
    )
    UNKNOWN_ADD_ON = "unknown_add_on", 400, "An add-on id is not one of this service's."
    UNKNOWN_FIELD = "unknown_field", 400, "Some fields cannot be changed."
    INVALID_BUDGET = (
        "invalid_budget",
        422,
        "A daily budget promotion needs a budget and a cost per click it can pay.",
    )
    UNKNOWN_TARGET = (
        "unknown_target",
        422,
        "A promotion's city or category is not one the marketplace has.",
    )
    UNKNOWN_PREFERENCE = "unknown_preference", 400, "No such notification preference."
    UNKNOWN_TRANSITION = (
        "unknown_transition",
        409,
        "The order's process has no such action.",
    )
    USER_NOT_FOUND = "user_not_found", 404, "No such user."
    VOIDED = "voided", 409, "The payment was released and cannot be taken."
    WARN_NEEDS_CONFIRM = (
        "warn_needs_confirm",
        400,
        "Only a confirmed flag can warn the sender.",
    )
    WEAK_PASSWORD = (
        "weak_password",
        422,
        "The password is too common, all digits or too like your e-mail address.",
    )
    WORKER_NOT_FOUND = "worker_not_found", 404, "No such worker."
    WRONG_DURATION = "wrong_duration", 422, "The number of hours is out of range."
    WRONG_START_CODE = "wrong_start_code", 422, "The start code is not right."
    # --- Support tickets
    TICKET_NOT_FOUND = "ticket_not_found", 404, "No such ticket (that you may see)."
    TICKET_ATTACHMENT_NOT_FOUND = (
        "ticket_attachment_not_found",
        404,
        "No such attachment (that you may see).",
    )
    CANNED_REPLY_NOT_FOUND = "canned_reply_not_found", 404, "No such canned reply."
    SUPPORT_QUEUE_NOT_FOUND = "support_queue_not_found", 404, "No such queue."
    TICKET_CLOSED = (
        "ticket_closed",
        409,
        "The ticket is closed; open a new one to write again.",
    )
    TICKET_NOT_SOLVED = (
        "ticket_not_solved",
        422,
        "A ticket is rated once it is solved or closed.",
    )
    NOT_A_SUPPORT_AGENT = (
        "not_a_support_agent",
        422,
        "Tickets go only to ops staff whose role handles tickets.",
    )
    ATTACHMENT_TOO_BIG = (
        "attachment_too_big",
        422,
        "The attachment is over the size limit (10 MB).",
    )
    # --- Growth: codes, points, credit, referrals, campaigns -----------------------
    CAMPAIGN_NOT_FOUND = "campaign_not_found", 404, "No such campaign."
    CODE_TAKEN = "code_taken", 409, "Another code is already called this."
    NOT_ENOUGH_POINTS = (
        "not_enough_points",
        422,
        "You do not hold that many points in the order's currency.",
    )
    PROMO_CODE_NOT_APPLICABLE = (
        "promo_code_not_applicable",
        422,
        "The code exists but does not apply to this order; `detail` says why.",
    )
    PROMO_CODE_NOT_FOUND = "promo_code_not_found", 422, "There is no such code."
    PROMO_CODE_USED_UP = (
        "promo_code_used_up",
        409,
        "Every use of the code, or its campaign's budget, is taken.",
    )
    REFERRAL_DECIDED = "referral_decided", 409, "The referral was already decided."
    REFERRAL_NOT_FOUND = "referral_not_found", 404, "No such referral."
    INVALID_ATTACHMENT = (
        "invalid_attachment",
        422,
        "The attachment is not a PDF or a JPEG, PNG or WebP image.",
    )
    TOO_MANY_ATTACHMENTS = (
        "too_many_attachments",
        422,
        "A ticket holds at most 10 attachments.",
    )
    # --- Outgoing webhooks -----------------------------------------------------------
    WEBHOOK_URL_REFUSED = (
        "webhook_url_refused",
        422,
        "The webhook address is not https, does not resolve, or leads to a private "
        "or local network.",
    )
    UNKNOWN_EVENT_TYPE = (
        "unknown_event_type",
        422,
        "Not an event type of GET /webhooks/event-types (nor a family such as "
        "`order.*`).",
    )
    WEBHOOK_ENDPOINT_DISABLED = (
        "webhook_endpoint_disabled",
        409,
        "The webhook endpoint is turned off; turn it on before sending to it.",
    )
    # --- Recurring bookings ---------------------------------------------------------
    SERIES_NOT_FOUND = "series_not_found", 404, "No such recurring booking of yours."
    VISIT_NOT_FOUND = "visit_not_found", 404, "No such visit of your recurring booking."
    PRICE_CHANGE_NOT_FOUND = (
        "price_change_not_found",
        404,
        "No such price proposal on your recurring booking.",
    )
    SERIES_ENDED = "series_ended", 409, "The recurring booking has ended."
    SERIES_NOT_ACTIVE = (
        "series_not_active",
        409,
        "Only an active recurring booking can be paused.",
    )
    SERIES_NOT_PAUSED = (
        "series_not_paused",
        409,
        "Only a paused recurring booking can be resumed.",
    )
    VISIT_NOT_SKIPPABLE = (
        "visit_not_skippable",
        409,
        "The visit is being charged, was charged, or is no longer upcoming: cancel "
        "its order instead.",
    )
    VISIT_NOT_MOVABLE = (
        "visit_not_movable",
        409,
        "Only a booked visit whose order has not started can be moved.",
    )
    NO_OPEN_PROPOSAL = (
        "no_open_proposal",
        409,
        "The visit has no alternative waiting for an answer.",
    )
    PRICE_CHANGE_PENDING = (
        "price_change_pending",
        409,
        "A price proposal is already waiting for the customer's answer.",
    )
    PRICE_CHANGE_ANSWERED = (
        "price_change_answered",
        409,
        "The price proposal has already been answered.",
    )
    SERIES_NOT_AWAITING_ACCEPTANCE = (
        "series_not_awaiting_acceptance",
        409,
        "The recurring booking is not waiting for the provider's acceptance: "
        "already accepted or declined, or its listing books instantly.",
    )
    NO_STANDING_ACCEPTANCE = (
        "no_standing_acceptance",
        409,
        "The provider has no standing acceptance of this recurring booking (to "
        "withdraw, or to accept a visit under).",
    )
    # --- Favourites and recommendations -------------------------------------------
    FAVOURITE_NOT_FOUND = "favourite_not_found", 404, "No such favourite of yours."
    FAVOURITE_TARGET_MISSING = (
        "favourite_target_missing",
        400,
        "Give exactly one of `listing` and `provider`.",
    )


def status_phrase(status: int) -> str:
    return HTTPStatus(status).phrase


def default_code_for_status(status: int) -> ErrorCode | None:
    """The generic code for an error raised with only a status (by ninja or Django)."""
    generic = {
        ErrorCode.BAD_REQUEST,
        ErrorCode.NOT_AUTHENTICATED,
        ErrorCode.FORBIDDEN,
        ErrorCode.NOT_FOUND,
        ErrorCode.METHOD_NOT_ALLOWED,
        ErrorCode.CONFLICT,
        ErrorCode.RULE_BROKEN,
        ErrorCode.RATE_LIMITED,
        ErrorCode.SERVER_ERROR,
    }
    return next((code for code in generic if code.status == status), None)
