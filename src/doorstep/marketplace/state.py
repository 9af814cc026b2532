"""Reading the operator's settings so that a change made in one process is seen
by every other on its next request or task, without a restart.

Several web processes and workers run at once, so no process may keep the
settings in a variable that nothing invalidates. Instead:

- The settings row (one row, primary key lookup) is read **once per request**:
  the first reader in a request loads it, later readers in the same request
  (the page's header, the price, the cancellation policy) reuse that copy, and
  the copy is dropped when the request ends (``OneReadPerRequestMiddleware``
  marks the request; a middleware rather than the ``request_started`` signal,
  whose receivers ASGI runs in a context the view never sees). Outside a
  request — a worker's task, a shell — every read goes to the database, so a
  task never acts on figures older than itself.
- The cities (a small table) are kept per process with the settings row's
  ``version`` and ``updated_at`` they were read at; every change to a city bumps
  the version, so the next request anywhere that reads the row reloads them.

A request that shows settings therefore costs one indexed single-row query
(measured in ``tests/test_state.py``) and nothing when it shows none.
"""

import threading
from dataclasses import dataclass, fields
from datetime import datetime

from asgiref.local import Local

from doorstep.catalog.models import localized
from doorstep.marketplace.models import SINGLETON_ID, City, MarketplaceSettings
from doorstep.marketplace.seeds import initial_cities

# Per request (a context-local, like Django's own per-request state): whether a
# request is running in this context, and the row it read.
_request = Local()


def begin_request() -> None:
    _request.active = True
    _request.row = None


def end_request() -> None:
    _request.active = False
    _request.row = None


def forget() -> None:
    """Drop this request's copy and this process's cities (after a change)."""
    global _cities
    _request.row = None
    with _cities_lock:
        _cities = None


def read_row() -> MarketplaceSettings:
    """The row from the database (one primary-key lookup)."""
    row = MarketplaceSettings.objects.filter(pk=SINGLETON_ID).first()
    return row if row is not None else MarketplaceSettings(pk=SINGLETON_ID, version=0)


def settings_row() -> MarketplaceSettings:
    """The settings row as it is now (once per request, see above). Before the
    data migration has run, or after a test flushed it, an unsaved row of
    defaults (``version`` 0) stands in: everything then follows the
    environment."""
    in_request = getattr(_request, "active", False)
    if in_request:
        row = getattr(_request, "row", None)
        if row is not None:
            return row
    row = read_row()
    if in_request:
        _request.row = row
    return row


# --- Cities ------------------------------------------------------------------------


@dataclass(frozen=True)
class ServedCity:
    """A city as every page and service reads it (detached from the database)."""

    slug: str
    name_en: str
    name_zh_hans: str
    name_zh_hant: str
    currency: str
    time_zone: str
    latitude: float
    longitude: float
    radius_km: int

    @property
    def name(self) -> str:
        return localized(self, "name")

    def __str__(self) -> str:
        return self.name


_cities: tuple[tuple[int, datetime | None], tuple[ServedCity, ...]] | None = None
_cities_lock = threading.Lock()


_CITY_FIELDS = tuple(field.name for field in fields(ServedCity))


def _load_cities(*, seeded: bool) -> tuple[ServedCity, ...]:
    cities = tuple(
        ServedCity(**row)
        for row in City.objects.filter(is_active=True).values(*_CITY_FIELDS)
    )
    if cities or seeded:
        return cities
    # No settings row and no city: the first migration has not run here (or a
    # test flushed its rows); serve what it would have written.
    return tuple(
        ServedCity(**{name: values[name] for name in _CITY_FIELDS})
        for values in initial_cities()
    )


def served_cities() -> tuple[ServedCity, ...]:
    """The active cities in their order, reloaded when the settings row's
    version says a city changed (in any process)."""
    global _cities
    row = settings_row()
    if row.version == 0:
        # No settings row to version the cities by: read them every time.
        return _load_cities(seeded=False)
    key = (row.version, row.updated_at)
    cached = _cities
    if cached is not None and cached[0] == key:
        return cached[1]
    cities = _load_cities(seeded=True)
    with _cities_lock:
        _cities = (key, cities)
    return cities
