"""The suite's Redis cache (``REDIS_URL`` runs; see tests/settings.py)."""

from django.conf import settings
from django.core.cache.backends.redis import RedisCache


class PrefixRedisCache(RedisCache):
    """Django's Redis cache, except that ``clear()`` deletes the keys under
    ``REDIS_KEY_PREFIX`` (this process's cache and channel layer, and those of
    the processes it started) instead of flushing the database, where the other
    xdist workers keep theirs."""

    def clear(self) -> bool:
        client = self._cache.get_client(None, write=True)
        match = f"{settings.REDIS_KEY_PREFIX}:*"
        keys = list(client.scan_iter(match=match, count=1000))
        if keys:
            client.delete(*keys)
        return True
