"""Pagination guards for the provider's cursors, which do not always tell the truth.

`has_next_page` can be true with an empty next page, and a cursor can repeat.
"""

from __future__ import annotations


def is_last_page(item_count: int, has_next_page: bool, next_cursor: str | None, cursor: str | None,
                 seen: set) -> bool:
    if item_count == 0 or not has_next_page or not next_cursor:
        return True
    return next_cursor == cursor or next_cursor in seen


def iter_pages(fetch, cursor: str | None = None, max_pages: int = 1000):
    """Yield pages from `fetch(cursor)` until a guard says stop; for whole-list reads."""
    seen: set = set()
    for _ in range(max_pages):
        page = fetch(cursor)
        yield page
        items = len(getattr(page, "users", None) or getattr(page, "tweets", None) or [])
        if is_last_page(items, page.has_next_page, page.next_cursor, cursor, seen):
            return
        seen.add(cursor)
        cursor = page.next_cursor
