"""What each page reads: its files and columns, declared once (``page_inputs.yml``).

The data appendix shows the declaration as a table (page × file × columns), ``ruxlib check``
says which pages each file enables, and a test keeps the declaration complete: every page,
given only the columns declared for it, computes exactly what it computes from the whole
folder.

Algorithm (:func:`trace`)
-------------------------
A column is needed by a page when dropping it changes what the page's entry point returns
(or makes it fail). :func:`trace` drops the columns of a study folder one at a time and
evaluates the page each time; run it on folders that exercise the pages' branches (the
shipped folder, a multi-arm trial) and take the union. ``python -m ruxlib.inputs DIR ...``
prints the traced declaration as YAML.
"""

from __future__ import annotations

import dataclasses
import sys
from importlib.resources import files

import pandas as pd
import yaml

from .io import Study

__all__ = ["DATASETS", "by_arm", "declared", "needs", "only_declared", "table", "trace"]

DECLARATION = files(__package__) / "page_inputs.yml"
DATASETS = ("adsl", "adtte", "adlb", "adae", "advs", "admh", "adex", "adicu")


def declared() -> dict[str, dict[str, list[str]]]:
    """Page label → file → the columns the page reads."""
    return yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))["pages"]


def needs(label: str) -> dict[str, list[str]]:
    """The files and columns page ``label`` reads (empty for a page that reads none)."""
    return declared().get(label, {})


def only_declared(study: Study, label: str) -> Study:
    """``study`` with every column page ``label`` does not declare removed (``USUBJID`` kept)."""
    mine = needs(label)
    frames = {}
    for name in DATASETS:
        frame = getattr(study, name)
        if frame is not None:
            keep = [c for c in frame.columns if c == "USUBJID" or c in mine.get(name, [])]
            frames[name] = frame[keep]
    return dataclasses.replace(study, **frames)


def by_arm() -> list[str]:
    """The pages that also read the planned-arm column (parameter ``arm``) to show arms."""
    return yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))["by_arm"]


ARM_NOTE = "and the planned arm (TRT01P or ARM, parameter arm) to show arms side by side"


def table() -> pd.DataFrame:
    """One row per page and file: ``page, file, columns`` (comma-separated), in page order.

    On the pages of :func:`by_arm`, the adsl row also names the planned-arm column.
    """
    arms = set(by_arm())
    rows = [{"page": label, "file": name,
             "columns": ", ".join(cols) + (f", {ARM_NOTE}" if name == "adsl" and label in arms else "")}
            for label, by_file in declared().items() for name, cols in by_file.items()]
    return pd.DataFrame(rows, columns=["page", "file", "columns"])


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    return a == b


def trace(study: Study, label: str, **params) -> dict[str, list[str]]:
    """The columns whose removal changes page ``label``'s values on ``study`` (see Algorithm)."""
    from .pages import evaluate

    full = evaluate(label, study, **params)
    found: dict[str, list[str]] = {}
    for name in DATASETS:
        frame = getattr(study, name)
        if frame is None:
            continue
        for col in frame.columns:
            if col == "USUBJID":
                continue
            cut = dataclasses.replace(study, **{name: frame.drop(columns=[col])})
            try:
                values = evaluate(label, cut, **params)
                changed = values.keys() != full.keys() or not all(_same(values[k], full[k]) for k in full)
            except Exception:  # noqa: BLE001 - a page that fails without the column needs it
                changed = True
            if changed:
                found.setdefault(name, []).append(col)
    return found


def main(argv: list[str] | None = None) -> None:
    """Print the declaration traced on the study folders given (``DIR[:name=value,...]``)."""
    from .io import load_study
    from .pages import PAGES

    union: dict[str, dict[str, list[str]]] = {label: {} for label in PAGES}
    for arg in argv if argv is not None else sys.argv[1:]:
        folder, _, opts = arg.partition(":")
        params = dict(o.split("=", 1) for o in opts.split(",") if o)
        study = load_study(folder)
        for label in PAGES:
            for name, cols in trace(study, label, **params).items():
                have = union[label].setdefault(name, [])
                have += [c for c in cols if c not in have]
    ordered = {label: {n: union[label][n] for n in DATASETS if n in union[label]} for label in PAGES}
    print(yaml.safe_dump({"pages": ordered}, sort_keys=False, width=100))


if __name__ == "__main__":
    main()
