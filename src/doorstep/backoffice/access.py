"""Who may use the back office: active ops staff whose current session passed a
second factor. A stolen password alone must never open the place that moves money."""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest


def session_passed_mfa(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def can_use_back_office(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and is_mfa_enabled(user)
        and session_passed_mfa(request)
    )
