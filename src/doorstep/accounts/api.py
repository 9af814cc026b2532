"""The accounts API: sign-up, tokens, the caller's profile."""

from ninja import Router

router = Router(tags=["accounts"])
