"""Sliding-window rate limits, in memory (one website process; behind several processes,
each counts its own share, which is why the limits are per process and configurable)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque


class RateLimiter:
    """At most `limit` hits per `window_s` seconds for each key; `limit` 0 means no limit.
    Keys unused for a whole window are forgotten; at most `max_keys` are kept."""

    def __init__(self, limit: int, window_s: float = 60.0, clock=time.monotonic, max_keys: int = 50_000):
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque] = OrderedDict()

    def hit(self, key: str) -> int:
        """Records a hit and returns 0, or returns the seconds to wait (the hit is not
        recorded, so that waiting is always enough)."""
        if self.limit <= 0:
            return 0
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window_s - now))
        hits.append(now)
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return 0

    def __len__(self) -> int:
        return len(self._hits)
