"""Who may act as ops, in two layers.

The surfaces (web pages, API endpoints, the admin) ask ``can_use_back_office``:
active ops staff whose current session — or bearer token — passed a second
factor. A stolen password alone must never open the place that moves money.

The services that move money or silence people ask ``require_ops_permission``:
what the acting person's ops role allows (``OpsPermission``; roles are Django
groups, see ``OPS_ROLES``). A surface that let someone through still cannot make
a Support agent approve payouts.
"""

from enum import StrEnum

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest
from django.utils.translation import gettext as _

from doorstep.core.errors import InsufficientScope, NotFound, PermissionDenied


class OpsPermission(StrEnum):
    """Every ops power, as Django permission names (``backoffice.OpsAccess``)."""

    # Fire ops transitions on someone else's order: cancel, settle a dispute.
    ACT_ON_ORDERS = "backoffice.act_on_orders"
    REFUND_ORDERS = "backoffice.refund_orders"
    APPROVE_PAYOUTS = "backoffice.approve_payouts"
    VIEW_FINANCE = "backoffice.view_finance"
    MODERATE_REVIEWS = "backoffice.moderate_reviews"
    # Look people, providers, orders and listings up; see their ops pages.
    VIEW_PEOPLE = "backoffice.view_people"
    # Decide provider applications and documents; run background checks.
    VERIFY_PROVIDERS = "backoffice.verify_providers"
    # Open a provider's private documents (each view is logged).
    VIEW_DOCUMENTS = "backoffice.view_documents"
    # Penalise, restrict and suspend providers; decide appeals.
    ENFORCE_STANDARDS = "backoffice.enforce_standards"
    # Decide flagged messages and flagged review patterns.
    MODERATE_MESSAGES = "backoffice.moderate_messages"
    # Change the operator's settings (fees, cities, policies, requirements).
    MANAGE_SETTINGS = "backoffice.manage_settings"
    # Read the audit trail beyond one object's page.
    VIEW_AUDIT = "backoffice.view_audit"
    # Watch the dispatch board; assign and reassign platform orders by hand.
    DISPATCH_ORDERS = "backoffice.dispatch_orders"
    # Support: answer, assign and close tickets; use the canned replies.
    HANDLE_TICKETS = "backoffice.handle_tickets"
    # Decide disputes, warranty and guarantee claims (money moves on the decision).
    DECIDE_DISPUTES = "backoffice.decide_disputes"
    # Write, translate and publish the help centre's articles.
    EDIT_HELP = "backoffice.edit_help"
    # Growth: create and pause campaigns, codes and batches; release or reject
    # referral rewards held for review.
    RUN_GROWTH = "backoffice.run_growth"


class OpsRole(StrEnum):
    """The ops roles: Django groups, created by ``backoffice`` migration 0001."""

    SUPPORT = "Support"
    FINANCE = "Finance"
    TRUST_AND_SAFETY = "Trust & safety"
    DISPATCH = "Dispatch"
    ADMIN = "Ops admin"


def session_passed_mfa(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def request_passed_mfa(request: HttpRequest) -> bool:
    """Whether the credential of this request went through a second factor: the
    bearer token (set by ``api.auth.BearerToken``) if the request carries one,
    the browser session otherwise."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return bool(token.second_factor)
    return session_passed_mfa(request)


def _token_lacks_ops(request: HttpRequest) -> bool:
    """A bearer token without the ``ops`` scope: its holder chose a token that
    cannot act as ops, whatever the account may."""
    token = getattr(request, "api_token", None)
    return token is not None and not token.has_scope("ops")


def can_use_back_office(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and is_mfa_enabled(user)
        and request_passed_mfa(request)
        and not _token_lacks_ops(request)
    )


def require_back_office(request: HttpRequest):
    """The caller, for an ops endpoint of the API. Raises ``PermissionDenied``
    403 ``ops_mfa_required`` for staff whose session or token did not pass a
    second factor, and ``NotFound`` for everyone else (ops endpoints do not
    admit they exist)."""
    if can_use_back_office(request):
        return request.user
    user = request.user
    if user.is_authenticated and user.is_active and user.is_staff:
        if _token_lacks_ops(request) and request_passed_mfa(request):
            raise InsufficientScope(
                ["ops"],
                _(
                    "This token may not act as ops: it needs the ops scope. "
                    "Get a token with it from POST /api/v1/auth/tokens."
                ),
            )
        raise PermissionDenied(
            "ops_mfa_required",
            _(
                "Operations need a second factor: sign in with your authenticator "
                "code, or get an API token with it."
            ),
        )
    raise NotFound("not_found", _("Not found."))


def has_ops_permission(user, permission: OpsPermission) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(permission)
    )


def require_ops_permission(user, permission: OpsPermission) -> None:
    """Raise ``PermissionDenied`` (403 ``ops_permission_required``) unless
    ``user`` is active ops staff whose role grants ``permission``."""
    if not has_ops_permission(user, permission):
        raise PermissionDenied(
            "ops_permission_required",
            _("Your operations role does not allow this."),
        )
