"""Keeping the search index in step with listings.

Catalogue services call these explicitly, inside their own transaction, after
every change to a listing or to what is denormalised from it (provider, category,
reputation): the index is never stale past a commit, and no signal hides the call.
"""

from doorstep.catalog.models import Listing


def index_listing(listing: Listing) -> None:
    """Write (or remove, if it is not published) the listing's search document."""


def remove_listing(listing_id: int) -> None:
    """Remove a listing's search document, if any."""
