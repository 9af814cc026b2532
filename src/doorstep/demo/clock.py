"""A movable clock for building the demo's past through the real services.

The services take the time from ``django.utils.timezone.now`` (directly, through
``auto_now_add``, or as a model field's ``default``), so moving that one function
moves every timestamp they write: order states, ledger entries, events,
notifications, reviews. The clock only moves when told (``set``), so each step of
the story happens at exactly the moment it was planned for.

Not for request handling: it patches a module attribute for the whole process.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from unittest import mock

from django.apps import apps
from django.utils import timezone


class DemoClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


def _fields_defaulting_to(function) -> list:
    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if getattr(field, "default", None) is function
    ]


def _forget_default(field) -> None:
    # ``Field._get_default`` is a cached property holding the default callable.
    field.__dict__.pop("_get_default", None)


@contextmanager
def moved_clock(start: datetime) -> Iterator[DemoClock]:
    """``timezone.now`` answers ``clock.now`` inside the block (and so do the
    model fields whose default is ``timezone.now``, which bound the original
    function when their model was defined)."""
    original = timezone.now
    clock = DemoClock(start)
    fields = _fields_defaulting_to(original)
    for field in fields:
        field.default = clock
        _forget_default(field)
    try:
        with mock.patch.object(timezone, "now", clock):
            yield clock
    finally:
        for field in fields:
            field.default = original
            _forget_default(field)
