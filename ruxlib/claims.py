"""The published-numbers ledger: every number printed in the paper, and how to compare with it.

The ledger is ``data/published/claims.csv`` (one row per printing of a number
in Neubauer et al., Leukemia 2021). Its ``value`` column says where each claim's value
comes from: ``page-label:name``, a value that the page's entry point returns
(:mod:`ruxlib.pages`); ``ruxlib audit`` (:mod:`ruxlib.audit`) and the pages' "Compare with
the publication" sections (:func:`ruxlib.book.compare_with_paper`) read it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .paths import LEDGER
from .printed import Printed, round_half_away

__all__ = [
    "COLUMNS",
    "STATUSES",
    "compare",
    "compare_table",
    "default_path",
    "load_assumptions",
    "load_claims",
    "load_inconsistencies",
    "matches",
    "rounding_rule",
    "select",
]

COLUMNS = ("id", "source", "quantity", "reported", "decimals", "status", "note", "value")
STATUSES = ("reproduced", "inconsistent", "context")

_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
_VALUE = re.compile(r"^[a-z0-9-]+:.+$")


def default_path() -> Path:
    """Path of the ledger shipped with the repository (``data/published/claims.csv``)."""
    return LEDGER


def load_claims(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the ledger.

    Parameters
    ----------
    path : str or Path, optional
        The CSV file; default :func:`default_path`.

    Returns
    -------
    pandas.DataFrame
        One row per claim, ``reported`` kept as text, ``decimals`` as int.

    Raises
    ------
    ValueError
        When a required column is missing, an id repeats, a status is not one
        of :data:`STATUSES`, a ``reported`` text is not a number or a ``value`` is
        not ``page-label:name``.
    """
    path = Path(path) if path is not None else default_path()
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    problems = [f"column {c} is missing" for c in COLUMNS if c not in df.columns]
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    dup = df["id"][df["id"].duplicated()].tolist()
    if dup:
        problems.append(f"ids repeat: {', '.join(dup)}")
    bad = df.loc[~df["status"].isin(STATUSES), ["id", "status"]]
    problems += [f"{r.id}: status must be one of {', '.join(STATUSES)}, got '{r.status}'"
                 for r in bad.itertuples()]
    for r in df.itertuples():
        if not _ID.match(r.id):
            problems.append(f"{r.id}: ids are lower-case words joined by dots")
        try:
            Printed.parse(r.reported)
        except ValueError as e:
            problems.append(f"{r.id}: {e}")
        if r.value and not _VALUE.match(r.value):
            problems.append(f"{r.id}: value must be page-label:name (a value of ruxlib.pages), got '{r.value}'")
        if not str(r.decimals).isdigit():
            problems.append(f"{r.id}: decimals must be a non-negative integer, got '{r.decimals}'")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    df["decimals"] = df["decimals"].astype(int)
    return df


def matches(reported: str, decimals: int, computed) -> bool:
    """Whether ``computed`` reproduces the printed ``reported`` at ``decimals`` places.

    Either rounding rule is accepted (:class:`ruxlib.printed.Printed`); an inequality such
    as ``"< 0.01"`` is checked as an inequality on the unrounded value.

    Examples
    --------
    >>> matches("0.05", 2, 0.0483)
    True
    >>> matches("< 0.01", 2, 4 / 364)
    False
    """
    return Printed.parse(reported, decimals).matches(computed)


def rounding_rule(reported: str, decimals: int, computed) -> str:
    """Which rounding rule makes ``computed`` print as ``reported`` (:meth:`Printed.rule`).

    A paper rounds with one rule (SAS: half away from zero), so a dataset that needs both
    across its claims is worth a second look.

    Examples
    --------
    >>> rounding_rule("36", 0, 36.5), rounding_rule("59", 0, 58.5), rounding_rule("59.5", 1, 59.5)
    ('half-even', 'half-away', 'both')
    """
    return Printed.parse(reported, decimals).rule(computed)


def select(claims: pd.DataFrame, ids_or_page: str | Iterable[str]) -> pd.DataFrame:
    """Rows of the ledger for a page label (``"baseline"``), an id prefix (``"t1.age"``) or ids.

    A string is tried as a page label first (column ``page``), then as an id
    prefix (``"t1.age"`` matches ``t1.age.mean`` ...; a trailing ``*`` is allowed).
    """
    if isinstance(ids_or_page, str):
        key = ids_or_page
        if "page" in claims.columns and (claims["page"] == key).any():
            return claims[claims["page"] == key]
        key = key.rstrip("*").rstrip(".")
        mask = (claims["id"] == key) | claims["id"].str.startswith(key + ".")
        return claims[mask]
    wanted = list(ids_or_page)
    out = claims.set_index("id").loc[[i for i in wanted if i in set(claims["id"])]].reset_index()
    return out


def _display(value, decimals: int):
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(x):
        return None
    return round_half_away(x, decimals)


def compare(claims: pd.DataFrame, computed: Mapping[str, float | None]) -> pd.DataFrame:
    """Put each claim next to its computed value.

    Parameters
    ----------
    claims : pandas.DataFrame
        Ledger rows (from :func:`load_claims` or :func:`select`).
    computed : mapping of claim id to number (or ``None``)
        Ids absent from the mapping are shown with ``computed`` missing.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, source, quantity, reported, computed, status, match``;
        ``computed`` is rounded (half away from zero) to the claim's decimals,
        ``match`` is :func:`matches` (both rounding rules accepted).
    """
    rows = []
    for r in claims.itertuples(index=False):
        value = computed.get(r.id)
        rows.append({
            "id": r.id, "source": r.source, "quantity": r.quantity, "reported": r.reported,
            "computed": _display(value, int(r.decimals)), "status": r.status,
            "match": matches(r.reported, int(r.decimals), value),
        })
    return pd.DataFrame(rows, columns=["id", "source", "quantity", "reported", "computed", "status", "match"])


def compare_table(ids_or_page: str | Iterable[str], computed: Mapping[str, float | None],
                  claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """The "Compare with the publication" table of a page.

    Parameters
    ----------
    ids_or_page : str or iterable of str
        A page label (e.g. ``"baseline"``), an id prefix (``"t1.age"``) or a list of ids.
    computed : mapping of claim id to number
        What the page computed.
    claims : pandas.DataFrame, optional
        The ledger; default :func:`load_claims`.

    Returns
    -------
    pandas.DataFrame
        As :func:`compare`, restricted to the selected claims.
    """
    claims = load_claims() if claims is None else claims
    return compare(select(claims, ids_or_page), computed)



def _yaml_records(path: Path, id_keys: tuple[str, ...]) -> list[dict]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if isinstance(data, dict) and isinstance(data.get("conflicts"), list):
        data = data["conflicts"]  # ruxlib.reconstruct's layout: {conflicts: [...], relaxed: [...]}
    elif isinstance(data, dict) and isinstance(data.get("assumptions"), list):
        data = data["assumptions"]
    if isinstance(data, dict):
        # {name: {...}} or {name: text} or {"items": [...]}
        lists = [v for v in data.values() if isinstance(v, list) and all(isinstance(x, dict) for x in v)]
        if len(data) == 1 and lists:
            data = lists[0]
        else:
            data = [dict(v, **{id_keys[0]: k}) if isinstance(v, dict) else {id_keys[0]: k, "text": v}
                    for k, v in data.items()]
    out = []
    for item in data:
        if not isinstance(item, dict):
            item = {"text": item}
        out.append(item)
    return out


def _as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return ", ".join(_as_text(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_as_text(x)}" for k, x in v.items())
    return str(v).strip()


def load_assumptions(path: str | Path | None = None) -> pd.DataFrame | None:
    """The reconstruction's assumptions (``data/published/assumptions.yml``) as a table.

    Returns ``None`` when the file does not exist. Each YAML entry becomes a row;
    nested values are flattened to text.
    """
    path = Path(path) if path is not None else default_path().parent / "assumptions.yml"
    if not path.exists():
        return None
    records = _yaml_records(path, ("id",))
    return pd.DataFrame([{k: _as_text(v) for k, v in r.items()} for r in records])


_ID_KEYS = ("claims", "ids", "claim_ids", "conflict", "conflicting")
_PROOF_KEYS = ("proof", "reason", "why", "note", "explanation", "text")


def _conflict_row(r: dict, kind: str) -> dict:
    ids = next((r[k] for k in _ID_KEYS if k in r), [])
    ids = [ids] if isinstance(ids, str) else list(ids or [])
    proof = next((r[k] for k in _PROOF_KEYS if k in r), "")
    row = {"kind": kind, "claims": [str(i) for i in ids], "proof": _as_text(proof)}
    row.update({k: _as_text(v) for k, v in r.items()
                if k not in row and k not in _ID_KEYS + _PROOF_KEYS and k != "table"})
    return row


def load_inconsistencies(path: str | Path | None = None) -> pd.DataFrame | None:
    """Proven conflicts among printed numbers (``data/published/inconsistencies.yml``).

    Two kinds, as ``ruxlib.reconstruct`` writes them:

    - ``conflict``: claims that no dataset at the stated precision satisfies
      together (the ``relaxed`` one is marked ``inconsistent`` in the ledger);
    - ``conditional``: claims that cannot hold together *under a natural
      hypothesis* (``hypothesis``), with the ``resolution`` the reconstruction
      adopted instead; every claim stays reproducible.

    Returns
    -------
    pandas.DataFrame or None
        ``None`` when the file does not exist; else one row per entry with
        ``kind``, ``claims`` (list of claim ids), ``proof`` (text) and every other
        field as text (bulky enumeration tables are left out).
    """
    import yaml

    path = Path(path) if path is not None else default_path().parent / "inconsistencies.yml"
    if not path.exists():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    rows = []
    if isinstance(data, dict) and any(k in data for k in ("conflicts", "conditional")):
        for kind, key in (("conflict", "conflicts"), ("conditional", "conditional")):
            rows += [_conflict_row(r, kind) for r in data.get(key) or [] if isinstance(r, dict)]
    else:
        rows = [_conflict_row(r, "conflict") for r in _yaml_records(path, ("id",))]
    return pd.DataFrame(rows, columns=None if rows else ["kind", "claims", "proof"])
