"""Audit: recompute every published number from a study folder and compare it with the ledger.

``ruxlib audit [--data DIR] [--json]`` calls :func:`run`. Nothing here computes a
statistic itself: every value comes from the same library functions the book's
pages use (``ruxlib.baseline``, ``exposure``, ``ae``, ``survival``, ``icu``,
``timing``, ``lnr``), through a registry of *providers*.

A provider is a function ``(study, context) -> {claim id: value}`` registered
with the glob patterns of the ids it answers (:func:`provider`). To cover a new
claim, register a provider (or extend one); a ``reproduced`` claim that no
provider answers is reported as ``computed: None, ok: False`` with the reason
"no library function yet".
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .claims import load_claims, matches, rounding_rule
from .io import Study, load_study
from .printed import round_half_away

__all__ = ["PROVIDERS", "Context", "audit", "compute", "provider", "run"]


@dataclass
class Context:
    """What providers may use besides the study: the ledger and the analysis parameters."""

    claims: pd.DataFrame
    horizon: float = 28


@dataclass
class Provider:
    """Claim ids (glob patterns) and the function that computes them."""

    name: str
    patterns: tuple[str, ...]
    func: Callable[[Study, Context], dict]
    answers: list[str] = field(default_factory=list)

    def covers(self, claim_id: str) -> bool:
        return any(fnmatch.fnmatchcase(claim_id, p) for p in self.patterns)


PROVIDERS: list[Provider] = []


def provider(name: str, *patterns: str):
    """Register ``func(study, context) -> dict`` as the source of the claims matching ``patterns``."""

    def deco(func):
        PROVIDERS.append(Provider(name, tuple(patterns), func))
        return func

    return deco


class NoLibraryFunction(Exception):
    """The library function a provider needs does not exist (yet)."""


def _lib(module: str, name: str):
    """``ruxlib.<module>.<name>``, or :class:`NoLibraryFunction` if it does not exist."""
    try:
        mod = importlib.import_module(f"ruxlib.{module}")
    except ImportError:
        raise NoLibraryFunction(f"no library function yet (ruxlib.{module} missing)") from None
    func = getattr(mod, name, None)
    if func is None:
        raise NoLibraryFunction(f"no library function yet (ruxlib.{module}.{name})")
    return func


# --------------------------------------------------------------------------- providers


@provider("baseline", "t1.*", "txt.itt.n", "txt.age.*", "txt.bmi.*", "txt.sex.*")
def _baseline(study, ctx):
    return _lib("baseline", "claim_values")(study, ctx.claims)


@provider("ae", "t2.*")
def _ae(study, ctx):
    return _lib("ae", "claim_values")(study, ctx.claims)


@provider("exposure", "txt.trtdur.*", "txt.dose.*", "txt.interrupt.*", "txt.eot.*", "txt.di.*",
          "txt.adherence.*", "txt.cumdose.*", "txt.screening.*")
def _exposure(study, ctx):
    return _lib("exposure", "claim_values")(study)


@provider("timing", "txt.tts.*")
def _timing(study, ctx):
    return _lib("timing", "claim_values")(study, horizon=ctx.horizon)


#: Ledger ids whose name differs from the key a module's claim_values uses (new id: old key).
ALIASES: dict[str, str] = {}


@provider("lnr", "fig4.*", "txt.lnr.*", "abs.lnr.*", "txt.logrank.*")
def _lnr(study, ctx):
    out = dict(_lib("lnr", "claim_values")(study, horizon=ctx.horizon))
    for new, old in ALIASES.items():
        if new not in out and old in out:
            out[new] = out[old]
    return out


@provider("survival", "abs.n", "abs.os28.*", "txt.os28.*", "fig1.*", "txt.itt.n.discussion",
          "txt.design.primary_day")
def _survival(study, ctx):
    return _lib("survival", "claim_values")(study, claims=ctx.claims, horizon=ctx.horizon)


@provider("icu", "txt.icu.*", "txt.imv.*", "txt.ecmo.*", "fig2.*")
def _icu(study, ctx):
    return _lib("icu", "claim_values")(study, horizon=ctx.horizon)


@provider("biomarkers", "fig3.*")
def _biomarkers(study, ctx):
    return _lib("biomarkers", "claim_values")(study)


# --------------------------------------------------------------------------- engine


def compute(study: Study, claims: pd.DataFrame, horizon: float = 28) -> dict[str, tuple[object, str]]:
    """Run every provider needed for ``claims``; return ``{id: (value, reason)}``.

    ``reason`` is empty when a value was computed, else why not ("no library
    function yet", "no provider registered", or the error a provider raised,
    e.g. a missing optional dataset).
    """
    ctx = Context(claims=claims, horizon=horizon)
    results: dict[str, tuple[object, str]] = {}
    cache: dict[str, tuple[dict, str]] = {}
    for cid in claims["id"]:
        covering = [p for p in PROVIDERS if p.covers(cid)]
        if not covering:
            results[cid] = (None, "no library function yet (no provider registered)")
            continue
        reasons = []
        for prov in covering:
            if prov.name not in cache:
                try:
                    cache[prov.name] = (prov.func(study, ctx) or {}, "")
                except NoLibraryFunction as e:
                    cache[prov.name] = ({}, str(e))
                except (ValueError, KeyError, TypeError, AttributeError) as e:
                    cache[prov.name] = ({}, f"{prov.name}: {type(e).__name__}: {e}")
            values, error = cache[prov.name]
            if cid in values and _number(values[cid]) is not None:
                results[cid] = (_number(values[cid]), "")
                break
            if error:
                reasons.append(error)
            elif cid in values:
                reasons.append(f"{prov.name}: not computable from this study folder")
            else:
                reasons.append(f"no library function yet ({prov.name} does not compute it)")
        else:
            results[cid] = (None, "; ".join(reasons))
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


def audit(data_dir: str | Path, claims: pd.DataFrame | None = None, horizon: float = 28) -> pd.DataFrame:
    """Every ledger row next to its value computed from the study folder.

    Parameters
    ----------
    data_dir : str or Path
        The study folder (validated by :func:`ruxlib.io.load_study`; raises
        :class:`ruxlib.io.DataError` on a data problem).
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
    study = load_study(data_dir)
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
    table = audit(data_dir, claims, horizon=horizon)
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
        rep = table[table["status"] == "reproduced"]
        stream.write(
            f"\n{int((rep['ok'] == True).sum())} of {len(rep)} reproduced claims reproduced; "  # noqa: E712
            f"{int((table['status'] == 'inconsistent').sum())} inconsistent, "
            f"{int((table['status'] == 'context').sum())} context.\n"
        )
        if len(failed):
            stream.write(f"{len(failed)} claim(s) marked reproduced are not reproduced.\n")
    return 1 if len(failed) else 0
