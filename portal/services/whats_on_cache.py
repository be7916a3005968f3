"""What's On pages already drawn for visitors who are not signed in, and when one may be
served again.

Each page is kept with the version of the data it was drawn from (``events.listing_version``)
and is served again only while that version is current. The check itself is skipped for
``recheck_seconds`` after it last passed, so a busy page costs no query at all; within that
moment a visitor may see a place count a moment old, which booking never relies on (the
event page and the booking read live data, and the capacity guard decides).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Generic, Hashable, TypeVar

Page = TypeVar("Page")


@dataclass
class _Entry(Generic[Page]):
    page: Page
    version: tuple
    checked_at: float  # time.monotonic() when the version was last found current


class PageCache(Generic[Page]):
    """The most recently used ``size`` pages, safe to share between threads."""

    def __init__(self, size: int = 128):
        self.size = size
        self._entries: OrderedDict[Hashable, _Entry[Page]] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, key: Hashable) -> _Entry[Page] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _put(self, key: Hashable, entry: _Entry[Page]) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def serve(self, key: Hashable, *, version: Callable[[], tuple], draw: Callable[[], Page],
              recheck_seconds: float) -> Page:
        """The page for ``key``: the kept one if it was checked within ``recheck_seconds`` or
        its version is still current, otherwise a page drawn afresh (and kept)."""
        entry = self._get(key)
        checked_at = time.monotonic()
        if entry is not None and checked_at - entry.checked_at < recheck_seconds:
            return entry.page
        current = version()
        page = entry.page if entry is not None and entry.version == current else draw()
        self._put(key, _Entry(page, current, checked_at))
        return page
