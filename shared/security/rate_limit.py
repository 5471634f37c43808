"""Per-key rate limits: the ``limits`` library's sliding-window counter over in-process memory.

Enforced per serving process: with several worker processes (or replicas) a
key may reach that many times its rate. A shared store (the library speaks
Redis and others) would make it global; none is part of this deployment.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from shared.security.principal import Principal
from shared.security.roles import Role
from shared.settings import Settings


@lru_cache(maxsize=256)
def _item(rate: str) -> RateLimitItem:
    return parse(rate)


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._defaults = {role: getattr(settings, f"rate_limit_{role}") for role in Role}
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    def retry_after(self, principal: Principal) -> int | None:
        """None when the request may go on (and is counted); else the seconds to wait."""
        item = _item(principal.rate or self._defaults[principal.role])
        if self._limiter.hit(item, principal.key_id):
            return None
        stats = self._limiter.get_window_stats(item, principal.key_id)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def limit_of(self, principal: Principal) -> str:
        return principal.rate or self._defaults[principal.role]
