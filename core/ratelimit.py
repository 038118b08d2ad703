"""Counting requests per client in fixed windows, in the shared cache (Redis in production, files on the embedded
default), for the pages and endpoints open to anyone: public reports, tracking lookups, Open311.

A window is `seconds` long and starts at a multiple of it; a client gets `limit` hits in each. Cheap and good
enough against floods and guessing; not an exact sliding window (a burst across a boundary may reach twice the
limit).
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

from core.request_context import client_ip


@dataclass(frozen=True)
class RateLimit:
    scope: str
    limit: int
    seconds: int

    def _key(self, ident: str, now: float | None) -> str:
        window = int((now if now is not None else time.time()) // self.seconds)
        # Hashed, so addresses and keys do not sit in the cache in clear.
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{digest}:{window}"

    def count(self, ident: str, *, now: float | None = None) -> int:
        return cache.get(self._key(ident, now), 0)

    def exceeded(self, ident: str, *, now: float | None = None) -> bool:
        """Whether the client has used up this window, without counting a hit."""
        return self.count(ident, now=now) >= self.limit

    def hit(self, ident: str, *, now: float | None = None) -> bool:
        """Count one hit; True when it is over the limit (the caller refuses it)."""
        key = self._key(ident, now)
        cache.add(key, 0, timeout=self.seconds + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # Expired between add and incr.
            cache.set(key, 1, timeout=self.seconds + 60)
            count = 1
        return count > self.limit


def client_ident(request) -> str:
    """Who is counted: the client's address as `client_ip` trusts it."""
    return client_ip(request) or "unknown"
