"""Write small hand-made study folders for tests (one helper for every test module)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ruxlib import io


def write_folder(folder: Path, adsl=None, *, meta: str | None = None, **files) -> Path:
    """Write a study folder and return its path.

    Each keyword is a file stem (``adsl``, ``adae``, …); its value is CSV text, a list of
    row dicts or a dict of columns. ``meta`` is the text of ``study.yml``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if adsl is not None:
        files = {"adsl": adsl, **files}
    for stem, content in files.items():
        path = folder / f"{stem}.csv"
        if isinstance(content, str):
            path.write_text(content.strip() + "\n", encoding="utf-8")
        else:
            pd.DataFrame(content).to_csv(path, index=False)
    if meta is not None:
        (folder / "study.yml").write_text(meta, encoding="utf-8")
    return folder


def write_study(folder: Path, adsl=None, *, meta: str | None = None, **files) -> io.Study:
    """Write a study folder (see :func:`write_folder`) and load it."""
    return io.load_study(write_folder(folder, adsl, meta=meta, **files))
