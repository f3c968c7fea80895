"""Pagination guards for the provider's cursors, which do not always tell the truth.

`has_next_page` can be true with an empty next page, and a cursor can repeat.
"""

from __future__ import annotations


def is_last_page(item_count: int, has_next_page: bool, next_cursor: str | None, cursor: str | None,
                 seen: set) -> bool:
    if item_count == 0 or not has_next_page or not next_cursor:
        return True
    return next_cursor == cursor or next_cursor in seen
