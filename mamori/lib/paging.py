"""API list pages with bounds the database can hold, stated in the OpenAPI description."""

from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 500
MAX_OFFSET = 10**9  # far beyond any list of a municipality; below every integer column


class BoundedPagination(LimitOffsetPagination):
    """limit 1–500 (default 100) and offset 0–10⁹; beyond them a 422, never a 500."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


MAX_ID = 2**63 - 1
# A key in a path or a list: 1 … 2**63-1 (beyond: 422, never a database error).
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorOut(Schema):
    """The one error body of the API, shared by every app (one component in the OpenAPI
    description): a message, or messages by field; `errors` adds the messages by field to a
    message where an operation gives both."""

    detail: str | dict[str, list[str]] | list[str]
    errors: dict[str, list[str]] = {}
