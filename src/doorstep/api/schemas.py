"""Base classes for request bodies, shared by every app's ``…In`` schemas."""

from decimal import Decimal
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from django.utils.translation import gettext as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import (
    AliasChoices,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)

# An object's id as clients see it: read from the model's ``public_id`` (never the
# integer primary key), written out as ``id``.
PublicId = Annotated[
    str,
    Field(
        validation_alias=AliasChoices("public_id", "id"),
        description="Opaque id, e.g. usr_5Kq8GmT1xY2pQ9aB.",
    ),
]


def _not_blank(schema: dict[str, Any]) -> None:
    # Required text is stripped before its length is checked, so "   " is refused:
    # say so in the schema ("contains a non-space character") for clients.
    kinds = [schema, *schema.get("anyOf", [])]
    for kind in kinds:
        if kind.get("type") == "string" and kind.get("minLength", 0) >= 1:
            kind.setdefault("pattern", r"\S")
        if kind.get("type") == "array":
            _not_blank(kind.get("items", {}))


def _published_input(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        _not_blank(prop)


class OutputSchema(Schema):
    """An answer's schema that handlers build from keyword arguments.

    django-ninja's ``Schema`` wraps every input in a ``DjangoGetter`` (so that a
    model instance, a related manager or a file field validates) before pydantic
    sees it; for keyword arguments that is a Python call per field and most of
    the order list's CPU. A dict (keyword arguments) is validated as it is; an
    object still goes through ninja's wrapper.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo
    ) -> Any:
        if isinstance(values, dict):
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class MoneyOut(OutputSchema):
    """An amount as clients see it, in every app's answers."""

    amount: int = Field(description="Minor units (cents, fen).")
    currency: str


class InputSchema(Schema):
    """A request body. Unknown fields are refused, so a typo ("langauge") is a
    400 naming the field instead of a change that silently did not happen."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_published_input)

    @field_validator("*", mode="before")
    @classmethod
    def _json_types_as_documented(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic would read 0, 1, "yes" or "off" as a boolean, false or "10" as
        # a number; the document says true or false, or a number, so that is
        # what is accepted (refused input is a 400 naming the field).
        field = cls.model_fields.get(info.field_name or "")
        kinds = _base_types(field.annotation) if field else set()
        if value is None or not kinds:
            return value
        if bool in kinds and not isinstance(value, bool):
            raise ValueError(_("Enter true or false."))
        numeric = kinds & {int, float, Decimal}
        if numeric and isinstance(value, bool | str):
            if numeric == {int}:
                raise ValueError(_("Enter a whole number."))
            raise ValueError(_("Enter a number."))
        return value


def _base_types(annotation: Any) -> set[Any]:
    """The plain types a field's annotation allows: ``Annotated[int, …] | None``
    is ``{int, NoneType}``."""
    if get_origin(annotation) is Annotated:
        return _base_types(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return set().union(*(_base_types(arg) for arg in get_args(annotation)))
    return {annotation}


def _drop_null_from_properties(schema: dict[str, Any]) -> None:
    # Fields are typed ``X | None`` only so that they may be left out; the
    # published schema must not invite clients (or schemathesis) to send null.
    for prop in schema.get("properties", {}).values():
        if "anyOf" not in prop:
            continue
        variants = [kind for kind in prop["anyOf"] if kind != {"type": "null"}]
        if len(variants) == 1:
            del prop["anyOf"]
            prop.update(variants[0])
        else:
            prop["anyOf"] = variants


def _published_patch(schema: dict[str, Any]) -> None:
    _drop_null_from_properties(schema)
    _published_input(schema)


class PatchSchema(InputSchema):
    """A partial update: every field is optional, but a field that is sent must
    hold a value. ``null`` is refused because "clear this" and "leave this alone"
    must not look the same; handlers read ``model_dump(exclude_unset=True)``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_published_patch,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any) -> Any:
        # Runs only for fields the client sent: defaults are not validated.
        if value is None:
            raise ValueError(_("This field cannot be null; leave it out instead."))
        return value
