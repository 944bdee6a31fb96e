"""The shape of list answers: ``{"data": [...], "page": {"limit", "offset", "total"}}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

__all__ = ["Page", "PageInfo", "Paging", "paginate"]

T = TypeVar("T")


class PageInfo(BaseModel):
    limit: int
    offset: int
    total: int


class Page(BaseModel, Generic[T]):
    data: list[T]
    page: PageInfo


class Paging:
    def __init__(
        self,
        limit: int = Query(50, ge=1, le=500, description="Items per page."),
        offset: int = Query(0, ge=0, description="Items to skip."),
    ) -> None:
        self.limit = limit
        self.offset = offset


def paginate(rows: Sequence[T], paging: Paging) -> Page[T]:
    window = list(rows[paging.offset : paging.offset + paging.limit])
    return Page[T](data=window, page=PageInfo(limit=paging.limit, offset=paging.offset, total=len(rows)))
