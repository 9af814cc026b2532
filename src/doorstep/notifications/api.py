"""The notifications API: the caller's notifications (newest first, cursor
pages), marking read, and channel preferences per kind.

Another person's notification answers 404, like one that does not exist.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPagination
from doorstep.core.errors import DomainError
from doorstep.notifications import queries, services
from doorstep.notifications.models import Channel
from doorstep.notifications.preferences import preference_grid
from doorstep.notifications.schemas import (
    MarkedOut,
    NotificationOut,
    PreferenceOut,
    PreferencesIn,
    PreferencesOut,
)

router = Router(tags=["notifications"])


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _preferences_out(user: User) -> PreferencesOut:
    return PreferencesOut(
        items=[
            PreferenceOut(kind=row.kind, label=row.label, email=row.email, sms=row.sms)
            for row in preference_grid(user)
        ]
    )


@router.get(
    "/notifications",
    response=list[NotificationOut],
    summary="Your notifications",
    description="Newest first. `?unread=true` lists only the unread ones.",
)
@paginate(CursorPagination)
def list_notifications(request: HttpRequest, unread: bool = False):
    return queries.notifications_of(_caller(request), unread=unread)


@router.post(
    "/notifications/read-all",
    response=MarkedOut,
    summary="Mark all your notifications read",
)
def mark_all_read(request: HttpRequest):
    return {"marked": services.mark_all_read(user=_caller(request))}


@router.post(
    "/notifications/{notification_id}/read",
    response=NotificationOut,
    summary="Mark one notification read",
    description="Marking it again changes nothing.",
)
def mark_read(request: HttpRequest, notification_id: str):
    return services.mark_read(user=_caller(request), notification_id=notification_id)


@router.get(
    "/me/notification-preferences",
    response=PreferencesOut,
    summary="Your notification channels per kind",
)
def get_preferences(request: HttpRequest):
    return _preferences_out(_caller(request))


@router.put(
    "/me/notification-preferences",
    response=PreferencesOut,
    summary="Turn e-mail or SMS on or off per kind",
    description="Only the kinds and channels you send change. In-app cannot be "
    "turned off; SMS is offered only for urgent kinds (its value is null there).",
)
def put_preferences(request: HttpRequest, payload: PreferencesIn):
    user = _caller(request)
    choices: dict[tuple[str, str], bool] = {}
    for item in payload.items:
        if item.in_app is False:
            message = _("In-app notifications cannot be turned off.")
            raise DomainError(
                "in_app_always_on",
                message,
                status=400,
                fields={"items.in_app": [message]},
            )
        for channel, value in ((Channel.EMAIL, item.email), (Channel.SMS, item.sms)):
            if value is not None:
                choices[(item.kind.value, channel.value)] = value
    services.set_preferences(user=user, choices=choices)
    return _preferences_out(user)
