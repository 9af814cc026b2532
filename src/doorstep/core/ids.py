"""Opaque public identifiers.

Rows keep integer primary keys (compact, fast joins); the outside world — URLs, the
API, exports — sees a prefixed random id such as ``usr_5Kq8...``. The prefix tells a
support agent what kind of object an id names; the random part reveals neither
counts nor creation order.
"""

import secrets
import string

from django.db import models

_ALPHABET = string.ascii_letters + string.digits
_RANDOM_LENGTH = 16  # 62**16 ≈ 4.8e28: collisions are not a practical concern.


def new_public_id(prefix: str) -> str:
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
    return f"{prefix}_{random_part}"


class PublicIdField(models.CharField):
    """A unique, indexed, immutable public id with a fixed prefix."""

    def __init__(self, *args, prefix: str = "", **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        for key, default in (("max_length", 32), ("unique", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if not value:
            value = new_public_id(self.prefix)
            setattr(model_instance, self.attname, value)
        return value
