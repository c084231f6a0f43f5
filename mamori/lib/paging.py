"""API list pages with bounds the database can hold, stated in the OpenAPI description."""

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
