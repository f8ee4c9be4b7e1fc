"""Where the book's files are: one place, with an environment override.

``RUXBOOK_ROOT`` points the library at another checkout of the book (its ``_toc.yml``,
``book/`` and ``data/``); by default it is the folder that holds the ``ruxlib`` package.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA", "LEDGER", "REGISTRY", "REPO"]

REPO = Path(os.environ.get("RUXBOOK_ROOT") or Path(__file__).resolve().parent.parent).resolve()
DATA = REPO / "data"
LEDGER = DATA / "published" / "claims.csv"
REGISTRY = DATA / "registry"
