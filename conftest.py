"""Shared pytest fixtures."""

from mamori.lib.browser import browser_page  # noqa: F401  (fixture)
