"""One table style for every table shown to a reader (filled in below)."""

from __future__ import annotations

__all__: list[str] = []
