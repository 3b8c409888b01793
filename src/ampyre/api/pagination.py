"""One page shape for every list: `items` and an opaque `next_cursor` (keyset pagination).

A list route takes `Paging` (`?limit=` and `?cursor=`), asks its service for one more item
than the limit, and answers `page(...)`: `next_cursor` is set only when there is a next page.
Cursors are opaque to clients; a cursor this API did not hand out is a 400 problem.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from ampyre.api.problems import Problem

T = TypeVar("T")
S = TypeVar("S")

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="pass as `cursor` (with the same filters) for the next page; null on the last"
    )


class Paging:
    """The `limit` and `cursor` query parameters of a list."""

    def __init__(
        self,
        limit: Annotated[
            int, Query(ge=1, le=MAX_LIMIT, description="at most this many items per page")
        ] = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None,
            Query(max_length=200, description="the `next_cursor` of the previous page"),
        ] = None,
    ) -> None:
        self.limit = limit
        self.cursor = cursor

    @property
    def fetch(self) -> int:
        """How many items to ask for: one more than shown tells whether a next page exists."""
        return self.limit + 1

    def after_int(self) -> int | None:
        """The cursor of a list keyed by a number."""
        if self.cursor is None:
            return None
        if not self.cursor.isdigit() or len(self.cursor) > 18:
            raise _bad_cursor(self.cursor)
        return int(self.cursor)

    def after_text(self) -> str | None:
        """The cursor of a list keyed by text (station ids, token values)."""
        if self.cursor is None:
            return None
        padded = self.cursor + "=" * (-len(self.cursor) % 4)
        try:
            key = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
            text = key.decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise _bad_cursor(self.cursor) from None
        if not text or text_cursor(text) != self.cursor:
            raise _bad_cursor(self.cursor)
        return text


def _bad_cursor(value: str) -> Problem:
    return Problem(
        400, f"cursor {value!r} is not one this API returned; start again without `cursor`"
    )


def text_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def page(
    found: Sequence[S],
    paging: Paging,
    show: Callable[[S], T],
    key: Callable[[S], int | str],
) -> Page[T]:
    """The page of `found` (fetched with `paging.fetch`), each item shown with `show`."""
    shown = found[: paging.limit]
    more = len(found) > paging.limit and bool(shown)
    cursor: str | None = None
    if more:
        last = key(shown[-1])
        cursor = str(last) if isinstance(last, int) else text_cursor(last)
    return Page[T](items=[show(item) for item in shown], next_cursor=cursor)
