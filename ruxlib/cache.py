"""A content-addressed cache of executed pages, so that a rebuild executes only what changed.

The scheme is jupyter-cache's (what Jupyter Book's ``execute_notebooks: cache`` uses): an
executed notebook is stored under a hash of everything its outputs depend on, and reused when
that hash comes round again. Unlike jupyter-cache, the key covers the page's inputs outside the
notebook too: the study folder, the library and the pinned environment.

Algorithm
---------
1. :func:`inputs_key` and :func:`page_key` hash, each under its own label, so that no two
   inputs can collide:

   - the page's source (the jupytext MyST file's bytes);
   - the library: every file under ``ruxlib/`` but ``__pycache__`` (:func:`tree_hash`);
   - the study folder: every file's relative path and bytes, and the folder's name (pages
     show it);
   - the parameters, as sorted JSON;
   - the environment: ``requirements.txt``, ``benchmarks/results.json`` (the status page shows
     it) and the Python version.

2. :meth:`PageCache.get` returns the stored notebook ``<page>-<key>.ipynb`` or ``None``;
   :meth:`PageCache.put` stores one atomically (a temporary file renamed into place), then
   keeps only the :data:`KEEP` newest entries of that page.
3. The cache folder is marked as ours (:func:`ruxlib.outdir.mark`) and refused otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

from .outdir import mark, owned

__all__ = ["KEEP", "PageCache", "inputs_key", "page_key", "tree_hash"]

KEEP = 8
"""Executed versions kept per page (e.g. for switching between a few study folders)."""

ENVIRONMENT = ("requirements.txt", "benchmarks/results.json")
"""Files of the repository, besides the library, whose change re-executes every page."""


def tree_hash(folder: Path) -> str:
    """SHA-256 of every file under ``folder`` (relative path and bytes), ``__pycache__`` excluded.

    Algorithm
    ---------
    Walk the files in sorted order of their relative path; feed each path, a NUL, the file's
    length and its bytes to one hash. A renamed, added, removed or edited file changes it.
    """
    digest = hashlib.sha256()
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        data = path.read_bytes()
        digest.update(f"{path.relative_to(folder).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"


def inputs_key(library: Path, data: Path, params: dict, repo: Path) -> str:
    """The part of every page's key that all pages share (hashed once per build).

    Parameters
    ----------
    library : Path
        The ``ruxlib`` package folder.
    data : Path
        The study folder.
    params : dict
        The page parameters (without ``data_dir``, whose content is keyed instead).
    repo : Path
        The repository, for the environment files :data:`ENVIRONMENT`.
    """
    parts = {
        "library": tree_hash(library),
        "data": tree_hash(data),
        "data-name": Path(data).name,
        "params": json.dumps(params, sort_keys=True, default=str),
        "environment": [_file_hash(repo / name) for name in ENVIRONMENT] + [platform.python_version()],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def page_key(page_source: Path, shared: str) -> str:
    """The cache key of one page's execution: its source's hash and :func:`inputs_key`."""
    return hashlib.sha256(f"{_file_hash(page_source)}\0{shared}".encode()).hexdigest()


class PageCache:
    """Executed notebooks by page and key, in a folder marked as ours."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        if not owned(self.folder):
            mark(self.folder)  # check_target has refused a folder that is neither ours nor empty

    def _path(self, page: str, key: str) -> Path:
        return self.folder / f"{page.replace('/', '_')}-{key[:32]}.ipynb"

    def get(self, page: str, key: str) -> Path | None:
        """The stored executed notebook of ``page`` under ``key``, or ``None``."""
        path = self._path(page, key)
        return path if path.is_file() else None

    def put(self, page: str, key: str, notebook: Path) -> Path:
        """Store a copy of the executed ``notebook``; return the stored path."""
        path = self._path(page, key)
        fd, tmp = tempfile.mkstemp(prefix=".put-", suffix=".ipynb", dir=self.folder)
        os.close(fd)
        shutil.copyfile(notebook, tmp)
        os.replace(tmp, path)
        self._prune(page)
        return path

    def _prune(self, page: str) -> None:
        entries = sorted(self.folder.glob(f"{page.replace('/', '_')}-{'?' * 32}.ipynb"),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
