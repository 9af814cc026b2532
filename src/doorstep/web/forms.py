"""Glue between forms and services shared by every app's views."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from doorstep.core.errors import DomainError


def add_service_error(form: forms.Form, error: DomainError | ValidationError) -> None:
    """Show a service's refusal on the form that asked for it.

    Each message goes beside the field it names; messages for fields the form does
    not have, or for no field, go above the form. A ``ValidationError`` comes from a
    model's ``full_clean`` inside a service.
    """
    if isinstance(error, DomainError):
        by_field = dict(error.fields)
        if not by_field:
            by_field = {NON_FIELD_ERRORS: [error.message]}
    elif hasattr(error, "error_dict"):
        by_field = error.message_dict
    else:
        by_field = {NON_FIELD_ERRORS: error.messages}
    for field, messages in by_field.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
