"""Audit: recompute every published number from a study folder and compare it with the ledger.

``ruxlib audit [--data DIR] [--json]`` calls :func:`run`. Nothing here computes a
statistic: the ledger's ``value`` column names, for each claim, the page entry point and
the name of the value it returns (``page-label:name``, :mod:`ruxlib.pages`). The audit
evaluates each page once and compares each claim with its value (:func:`ruxlib.claims.matches`).
To cover a new claim, give its row a ``value``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd

from . import pages
from .claims import load_claims, matches, rounding_rule
from .io import Study, load_study
from .printed import round_half_away

__all__ = ["BY_CONSTRUCTION", "audit", "compute", "run", "summary"]

BY_CONSTRUCTION = ("the reconstruction was solved to reproduce them, so this checks the code, "
                   "not the trial")
"""Why a match on the shipped reconstruction is not evidence about the trial."""


def compute(study: Study, claims: pd.DataFrame, **params) -> dict[str, tuple[object, str]]:
    """Each claim's value from the entry point its ``value`` names; ``{id: (value, reason)}``.

    Parameters
    ----------
    study : Study
        A loaded study folder.
    claims : pandas.DataFrame
        Ledger rows with a ``value`` column (``page-label:name``, empty for none).
    **params
        Page parameters (:data:`ruxlib.params.PARAMS`).

    Returns
    -------
    dict
        ``reason`` is empty when a value was computed, else why not: the claim names no value,
        or its page could not compute it from this study folder.
    """
    refs = dict(zip(claims["id"], claims["value"], strict=True))
    labels = {ref.partition(":")[0] for ref in refs.values() if ref}
    values = {label: pages.evaluate(label, study, **params) for label in labels if label in pages.PAGES}
    results: dict[str, tuple[object, str]] = {}
    for cid, ref in refs.items():
        if not ref:
            results[cid] = (None, "no value named in the ledger's value column")
            continue
        value = _number(pages.lookup(ref, values))
        results[cid] = (value, "" if value is not None else f"{ref}: not computable from this study folder")
    return results


def _number(x):
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if math.isnan(v):
        return None
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


def audit(data_dir: str | Path | Study, claims: pd.DataFrame | None = None, horizon: float = 28) -> pd.DataFrame:
    """Every ledger row next to its value computed from the study folder.

    Parameters
    ----------
    data_dir : str, Path or Study
        The study folder (validated by :func:`ruxlib.io.load_study`; raises
        :class:`ruxlib.io.DataError` on a data problem), or one already loaded.
    claims : pandas.DataFrame, optional
        The ledger; default :func:`ruxlib.claims.load_claims`.
    horizon : float
        The "day 28" of the analyses.

    Returns
    -------
    pandas.DataFrame
        ``id, source, reported, computed, status, ok, reason, rounding``
        (:func:`ruxlib.claims.rounding_rule`). ``ok`` is the
        comparison (computed rounded to the claim's decimals, either rounding
        rule, equals reported; inequalities compared as such) for
        ``reproduced`` and ``inconsistent`` claims, and missing (None) for
        ``context`` claims, which are not computed.
    """
    claims = load_claims() if claims is None else claims
    study = data_dir if isinstance(data_dir, Study) else load_study(data_dir)
    todo = claims[claims["status"] != "context"]
    values = compute(study, todo, horizon=horizon)
    rows = []
    for r in claims.itertuples(index=False):
        if r.status == "context":
            rows.append(dict(id=r.id, source=r.source, reported=r.reported, computed=None,
                             status=r.status, ok=None, reason="context: not a result of this trial",
                             rounding=""))
            continue
        value, reason = values[r.id]
        ok = matches(r.reported, int(r.decimals), value)
        if value is not None and not ok and not reason:
            reason = "differs from the publication"
        rows.append(dict(id=r.id, source=r.source, reported=r.reported, computed=value,
                         status=r.status, ok=bool(ok), reason=reason,
                         rounding=rounding_rule(r.reported, int(r.decimals), value)))
    return pd.DataFrame(rows, columns=["id", "source", "reported", "computed", "status", "ok", "reason",
                                       "rounding"], dtype=object)


def summary(table: pd.DataFrame, publication: bool) -> str:
    """The audit's one-line summary; on the paper's reconstruction, matches are by construction.

    Examples
    --------
    >>> t = pd.DataFrame({"status": ["reproduced", "context"], "ok": [True, None]})
    >>> summary(t, publication=False)
    '1 of 1 reproduced claims reproduced; 0 inconsistent, 1 context.'
    >>> summary(t, publication=True).split(";")[0]
    '1 of 1 reproduced claims reproduced, matches by construction (the reconstruction was solved to reproduce them, so this checks the code, not the trial)'
    """
    rep = table[table["status"] == "reproduced"]
    why = f", matches by construction ({BY_CONSTRUCTION})" if publication else ""
    return (f"{int((rep['ok'] == True).sum())} of {len(rep)} reproduced claims reproduced{why}; "  # noqa: E712
            f"{int((table['status'] == 'inconsistent').sum())} inconsistent, "
            f"{int((table['status'] == 'context').sum())} context.")


def _text_table(frame: pd.DataFrame, max_width: int = 48) -> str:
    """A plain left-aligned text table (cells cut at ``max_width`` characters)."""
    cells = [[str(c) for c in frame.columns]] + [
        ["" if v is None else str(v)[:max_width] for v in row] for row in frame.itertuples(index=False)
    ]
    widths = [max(len(r[j]) for r in cells) for j in range(len(frame.columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def _plain(v):
    """A JSON-ready Python value (numpy scalars unwrapped, NaN as None)."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _show(value, decimals: int) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{round_half_away(value, max(decimals, 0) + 2):g}"


def run(data_dir: str | Path = "data", as_json: bool = False, claims_path: str | Path | None = None,
        horizon: float = 28, stream=None) -> int:
    """Print the audit of ``data_dir`` and return the exit code.

    Parameters
    ----------
    data_dir : str or Path
        Study folder.
    as_json : bool
        Print a JSON list of ``{id, source, reported, computed, status, ok}``
        (plus ``reason``) instead of a table.
    claims_path : str or Path, optional
        Ledger CSV; default the repository's ``data/published/claims.csv``.
    horizon : float
        The "day 28" of the analyses.
    stream : file-like, optional
        Where to print (default ``sys.stdout``).

    Returns
    -------
    int
        1 if any ``reproduced`` claim is not reproduced, else 0.
    """
    stream = sys.stdout if stream is None else stream
    claims = load_claims(claims_path)
    study = load_study(data_dir)
    table = audit(study, claims, horizon=horizon)
    failed = table[(table["status"] == "reproduced") & (table["ok"] != True)]  # noqa: E712
    if as_json:
        records = [{k: _plain(v) for k, v in rec.items()} for rec in table.to_dict(orient="records")]
        json.dump(records, stream, indent=1, ensure_ascii=False)
        stream.write("\n")
    else:
        dec = claims.set_index("id")["decimals"]
        shown = table.assign(
            computed=[_show(v, int(dec[i])) for i, v in zip(table["id"], table["computed"], strict=True)],
            ok=table["ok"].map({True: "yes", False: "NO"}).fillna(""),
        )
        stream.write(_text_table(shown[["id", "source", "reported", "computed", "status", "ok", "rounding",
                                        "reason"]]))
        stream.write("\n" + summary(table, study.publication) + "\n")
        if len(failed):
            stream.write(f"{len(failed)} claim(s) marked reproduced are not reproduced.\n")
    return 1 if len(failed) else 0
