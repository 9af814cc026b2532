"""The shapes of the notifications API. Ids are public ids; times are ISO 8601."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from doorstep.api.schemas import InputSchema
from doorstep.notifications.models import Kind, Notification


class NotificationOut(Schema):
    id: str
    kind: Kind
    title: str = Field(description="In the recipient's language.")
    body: str
    url: str = Field(description="Path of the page it is about; may be empty.")
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_id(notification: Notification) -> str:
        return notification.public_id


class MarkedOut(Schema):
    marked: int = Field(description="How many notifications were unread.")


class PreferenceOut(Schema):
    kind: Kind
    label: str
    in_app: bool = Field(True, description="Always on.")
    email: bool
    sms: bool | None = Field(description="Null: SMS is not offered for this kind.")


class PreferencesOut(Schema):
    items: list[PreferenceOut]


def _only_true(schema: dict[str, Any]) -> None:
    schema.pop("anyOf", None)
    schema["enum"] = [True, None]


class PreferenceIn(InputSchema):
    kind: Kind
    email: bool | None = Field(None, description="Leave out to keep as is.")
    sms: bool | None = Field(
        None, description="Leave out to keep as is. Only for urgent kinds."
    )
    in_app: bool | None = Field(
        None,
        description="Cannot be turned off: true, or leave it out.",
        # Documented as it is checked: false is refused (400 in_app_always_on).
        json_schema_extra=_only_true,
    )


class PreferencesIn(InputSchema):
    items: list[PreferenceIn] = Field(max_length=len(Kind.values))
