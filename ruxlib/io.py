"""Load and validate a study folder (see the data appendix of the book).

Every problem in a folder is collected before anything is raised, so a user
fixing an export sees the whole list at once. The folder is only ever read.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml

from . import derive
from .schema import FILES, META_KEYS, SPECS, FileSpec

__all__ = ["Check", "DataError", "SNAPSHOT_ENV", "Study", "check_study", "coverage", "load_study", "save_snapshot",
           "validate_study"]


class DataError(Exception):
    """A study folder breaks the data contract; ``problems`` lists every breach."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the study folder:"
        super().__init__("\n".join([head, *("  - " + p for p in self.problems)]))


@dataclass
class Study:
    """A validated study folder: one data frame per file (``None`` when absent)."""

    path: Path
    adsl: pd.DataFrame
    adtte: pd.DataFrame | None = None
    adlb: pd.DataFrame | None = None
    adae: pd.DataFrame | None = None
    advs: pd.DataFrame | None = None
    admh: pd.DataFrame | None = None
    adex: pd.DataFrame | None = None
    adicu: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def reconstructed(self) -> bool:
        """True when ``study.yml`` declares the data reconstructed (not a trial's records)."""
        return bool(self.meta.get("reconstructed", False))

    @property
    def publication(self) -> bool:
        """True when the folder is a reconstruction of the paper this book reproduces.

        Only then do pages compare the data with the paper's printed numbers.
        """
        return self.reconstructed and "neubauer" in str(self.meta.get("source", "")).lower()

    @property
    def drug(self) -> str:
        """The study drug as pages name it: ``study.yml`` ``drug``, else neutral wording."""
        return str(self.meta.get("drug") or ("ruxolitinib" if self.publication else "the study drug"))

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.path.name))

    @property
    def n(self) -> int:
        return len(self.adsl)

    def has(self, name: str) -> bool:
        """Whether the optional dataset ``name`` (e.g. ``"adlb"``) is present."""
        return getattr(self, name) is not None


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_EXCEL_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_SENTINELS = {"NA", "N/A", "NAN", "NULL", "NONE", ".", "-"}


def _where(spec: FileSpec, rownum: int | None, usubjid: str | None) -> str:
    if rownum is None:
        return spec.name
    who = f" (USUBJID {usubjid})" if usubjid else ""
    return f"{spec.name} row {rownum}{who}"


_MAX_FIELD = 1_000_000  # characters in one CSV cell
_MAX_ABS = 1e12  # larger numbers are typing errors or overflow codes
_NEGATIVE_CODES = {-9.0, -99.0, -999.0, -9999.0}


def _read_rows(path: Path, spec: FileSpec, problems: list[str]) -> tuple[list[str], list[list[str]]] | None:
    if path.suffix == ".xpt":
        return _read_xpt(path, spec, problems)
    raw = path.read_bytes()
    if not raw.strip():
        problems.append(f"{spec.name}: file is empty (expected a header row)")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problems.append(
            f"{spec.name}: not UTF-8 (byte 0x{raw[e.start]:02x} at position {e.start}); "
            "save the file as UTF-8 CSV"
        )
        return None
    fast = _read_csv_fast(text)
    if fast is not None:
        rows = [fast.columns.tolist()]
    else:
        csv.field_size_limit(_MAX_FIELD)
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as e:
            problems.append(f"{spec.name}: not a readable CSV file ({e}); cells hold at most {_MAX_FIELD:,} characters")
            return None
        rows = [r for r in rows if "".join(r).strip()]  # drop blank lines (every cell whitespace)
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    ok = True
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        problems.append(f"{spec.name}: header has one column '{header[0][:40]}'; the file must be comma-separated")
        return None
    seen = set()
    for h in header:
        if h == "":
            problems.append(f"{spec.name}: header has an empty column name")
            ok = False
        elif h != h.upper():
            problems.append(f"{spec.name}: column names must be upper case, got '{h}'")
            ok = False
        if h in seen and h:
            problems.append(f"{spec.name}: column '{h}' appears twice in the header")
            ok = False
        seen.add(h)
    if not ok:
        return None
    if fast is not None:  # every row has the header's width: rows numbered 1, 2, … as below
        return header, fast.set_axis(header, axis=1).set_axis(pd.RangeIndex(1, len(fast) + 1), axis=0)
    width = len(header)
    for i, r in enumerate(body, start=1):
        if len(r) != width:
            problems.append(f"{spec.name} row {i}: has {len(r)} fields, the header has {width}")
    # cells are stripped column by column in _typed_frame
    return header, [(i, r) for i, r in enumerate(body, start=1) if len(r) == width]


def _all_rows_have(text: str, width: int) -> bool:
    """Whether every non-blank line of a CSV text has ``width`` fields (commas + 1 without quotes)."""
    if '"' in text:
        return all(len(r) == width for r in csv.reader(io.StringIO(text)) if "".join(r).strip())
    return all(line.count(",") == width - 1 for line in text.splitlines() if line.strip())


def _read_csv_fast(text: str) -> pd.DataFrame | None:
    """The CSV's cells as text by pandas' C parser (header as column names, blank rows dropped).

    ``None`` when the file is not a plain rectangular CSV (a row with more or fewer fields than
    the header, a cell longer than ``_MAX_FIELD``, duplicate or empty header names, a parser
    error): the checking reader (``csv``) then reads it and names every problem by row. Both
    readers give the same cells; this one is about ten times faster on large files.
    """
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, header=None,
                            skip_blank_lines=True, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError):
        return None
    if table.empty or not _all_rows_have(text, table.shape[1]):  # the parser pads a short row with ""
        return None
    cells = table.to_numpy(dtype=object)
    if max((len(c) for c in pd.unique(cells.ravel())), default=0) > _MAX_FIELD:
        return None
    blank = np.ones(len(table), dtype=bool)
    for name in table.columns:  # a row is blank when every cell is whitespace
        values = pd.unique(table[name].to_numpy(dtype=object))
        blank &= table[name].isin([v for v in values if not v.strip()]).to_numpy()
    table = table[~blank]
    if table.empty:
        return None
    header = table.iloc[0].tolist()
    if len(set(header)) != len(header):
        return None
    return table.iloc[1:].set_axis(header, axis=1).astype(object)


def _xpt_cell(value) -> str:
    """One SAS transport value as CSV text: integral floats without '.0', missing as empty."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value).strip()


def _read_xpt(path: Path, spec: FileSpec, problems: list[str]) -> tuple[list[str], list[list[str]]] | None:
    """Read a SAS transport file (XPORT version 5 or 8, with pyreadstat) into a CSV's header and rows."""
    import pyreadstat

    try:
        frame, _ = pyreadstat.read_xport(str(path))
    except Exception as e:  # the reader raises many types for a damaged file
        problems.append(f"{path.name}: not a readable SAS transport (.xpt) file ({type(e).__name__}: {e})")
        return None
    header = [str(c).strip().upper() for c in frame.columns]
    body = [(i, [_xpt_cell(v) for v in row]) for i, row in enumerate(frame.itertuples(index=False), start=1)]
    return header, body


def _parse_number(cell: str) -> tuple[float | None, str | None]:
    """Parse one cell; return (value, problem)."""
    if cell == "":
        return None, None
    if _EXCEL_DECIMAL.match(cell):
        return None, f"'{cell}' uses a decimal comma; use a point (e.g. '{cell.replace(',', '.')}')"
    if cell.upper().lstrip("+-") in {"INF", "INFINITY"}:
        return None, f"'{cell}' is infinite; values must be finite numbers"
    if cell.upper() in _SENTINELS:
        return None, f"'{cell}' is not a number; leave missing values empty"
    if not _NUMBER.match(cell):
        return None, f"'{cell}' is not a number"
    value = float(cell)
    if not math.isfinite(value):
        return None, f"'{cell}' is infinite; values must be finite numbers"
    if abs(value) > _MAX_ABS:
        return None, f"'{cell}' is implausibly large (at most 10^12 in size)"
    return value, None


def _check_cell(col, cell: str) -> tuple[object, str | None]:
    """One (stripped) cell of column ``col``: its typed value and the problem, without the row.

    The value is ``None`` for an empty cell and for a number with a problem; a text cell keeps
    its text even when it looks like a missing-value code (the problem is reported).
    """
    if cell == "":
        return None, (None if col.nullable else f"{col.name} is empty; it is required")
    if col.kind in ("float", "int"):
        value, problem = _parse_number(cell)
        if problem:
            return None, f"{col.name} {problem}"
        if value in _NEGATIVE_CODES and col.unit != "study day":
            return None, f"{col.name} '{cell}' looks like a missing-value code; leave missing values empty"
        if col.kind == "int" and value is not None and value != int(value):
            return None, f"{col.name} must be a whole number, got '{cell}'"
        return value, None
    if col.name != "USUBJID" and col.allowed is None and cell.upper() in _SENTINELS - {"-"}:
        return cell, f"{col.name} '{cell}' looks like a missing-value code; leave missing values empty"
    return cell, None


def _typed_frame(spec: FileSpec, header: list[str], body: list[tuple[int, list[str]]], problems: list[str]) -> pd.DataFrame | None:
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    for name in missing:
        problems.append(f"{spec.name}: required column {name} is missing")
    if spec.one_of and not set(spec.one_of) & set(header):
        problems.append(f"{spec.name}: needs a column {' or '.join(spec.one_of)}; neither is present")
        missing.append(spec.one_of[0])
    if missing:
        return None
    if not len(body) and not spec.allow_empty:
        problems.append(f"{spec.name}: has a header but no data rows")
        return None
    if isinstance(body, pd.DataFrame):  # from _read_csv_fast
        frame = body
    else:
        frame = pd.DataFrame([r for _, r in body], columns=header, index=[i for i, _ in body], dtype=object)
    frame.index.name = "ROW"
    # each distinct cell is stripped and checked once (pandas.factorize), then spread to its rows
    for name in frame.columns:  # CSV rows arrive unstripped
        codes, uniques = pd.factorize(frame[name].to_numpy(dtype=object), use_na_sentinel=False)
        stripped = np.array([u.strip() if isinstance(u, str) else u for u in uniques], dtype=object)
        frame[name] = stripped[codes] if len(codes) else frame[name]
    usub = frame["USUBJID"].to_numpy(dtype=object) if "USUBJID" in frame else np.full(len(frame), None)
    rownums = frame.index.to_numpy()
    for col in spec.columns:
        if col.name not in frame:
            continue
        codes, uniques = pd.factorize(frame[col.name].to_numpy(dtype=object), use_na_sentinel=False)
        checked = [_check_cell(col, cell) for cell in uniques]
        bad = np.array([problem is not None for _, problem in checked], dtype=bool)
        for i in np.flatnonzero(bad[codes]) if len(codes) else []:  # rows in order
            problems.append(f"{_where(spec, rownums[i], usub[i])}: {checked[codes[i]][1]}")
        values = [value for value, _ in checked]
        if col.kind == "float":
            typed = np.array([np.nan if v is None else v for v in values], dtype="float64")
            frame[col.name] = pd.Series(typed[codes] if len(codes) else [], index=frame.index, dtype="float64")
        elif col.kind == "int":
            typed = pd.array([None if v is None else int(v) for v in values], dtype="Int64")
            frame[col.name] = pd.Series(typed.take(codes) if len(codes) else [], index=frame.index, dtype="Int64")
        else:
            typed = np.array(values, dtype=object)
            frame[col.name] = pd.Series(typed[codes] if len(codes) else [], index=frame.index, dtype="object")
    return frame


def _pandera_schema(spec: FileSpec) -> pa.DataFrameSchema:
    columns = {}
    for col in spec.columns:
        checks = []
        if col.allowed is not None:
            allowed = [int(a) for a in col.allowed] if col.kind == "int" else list(col.allowed)
            checks.append(pa.Check.isin(allowed, error=f"must be one of {', '.join(col.allowed)}"))
        if col.min is not None:
            checks.append(pa.Check.ge(col.min, error=f"must be ≥ {col.min:g}"))
        if col.max is not None:
            checks.append(pa.Check.le(col.max, error=f"must be ≤ {col.max:g}"))
        columns[col.name] = pa.Column(checks=checks, nullable=True, required=False, coerce=False)
    return pa.DataFrameSchema(columns, strict=False)


def _value_problems(spec: FileSpec, frame: pd.DataFrame) -> list[str]:
    problems: list[str] = []
    if frame.empty:
        return problems
    try:
        _pandera_schema(spec).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        for _, case in cases.iterrows():
            idx = case["index"]
            if idx is None or (isinstance(idx, float) and math.isnan(idx)):
                continue
            idx = int(idx)
            usub = frame["USUBJID"].loc[idx] if "USUBJID" in frame else None
            got = case["failure_case"]
            if isinstance(got, float) and got == int(got):
                got = int(got)
            rule = str(case["check"])
            col = spec.column(case["column"])
            message = _rule_text(col, rule)
            problems.append(f"{_where(spec, idx, usub)}: {col.name} {message}, got {got}")
    if spec.unique:
        keys = frame[list(spec.unique)].astype(str)
        dup = keys.duplicated(keep="first")
        if dup.any():
            first = keys.reset_index().groupby(list(spec.unique), sort=False)[frame.index.name or "index"].first()
            for idx in frame.index[dup.to_numpy()]:
                key = tuple(keys.loc[idx])
                shown = ", ".join(f"{k} {frame[k].loc[idx]}" for k in spec.unique)
                problems.append(
                    f"{_where(spec, idx, frame['USUBJID'].loc[idx])}: duplicate of row {first.loc[key if len(key) > 1 else key[0]]} "
                    f"({shown}); {' × '.join(spec.unique)} must be unique"
                )
    return problems


def _plausibility_warnings(spec: FileSpec, frame: pd.DataFrame) -> list[str]:
    """Values that are possible but unusual (``Column.plausible``): a named warning each."""
    warnings = []
    for col in spec.columns:
        if col.plausible is None or col.name not in frame:
            continue
        lo, hi = col.plausible
        values = frame[col.name]
        odd = values[(values < lo) | (values > hi)]
        if col.name == "HEIGHTBL" and len(values.dropna()) and values.dropna().le(3).all():
            continue  # reported as an error: metres
        if len(odd):
            rows = _rows_text(odd.index.tolist())
            warnings.append(f"{spec.name} {rows}: {col.name} outside the usual {lo:g}–{hi:g} {col.unit} "
                            f"(got {', '.join(f'{v:g}' for v in odd.head(5))}); check the unit")
    return warnings


def _rows_text(rows: list[int], shown: int = 5) -> str:
    """``row 3`` or ``rows 1, 2, 5, … (30 rows)``; row N is line N + 1 of a CSV file."""
    if len(rows) == 1:
        return f"row {rows[0]}"
    head = ", ".join(str(r) for r in rows[:shown])
    return f"rows {head}" + (f", … ({len(rows)} rows)" if len(rows) > shown else "")


def _rule_text(col, rule: str) -> str:
    if rule.startswith("isin") or "must be one of" in rule:
        return f"must be one of {', '.join(col.allowed)}"
    if rule.startswith("greater_than_or_equal_to") or "≥" in rule:
        return f"must be ≥ {col.min:g}"
    if rule.startswith("less_than_or_equal_to") or "≤" in rule:
        return f"must be ≤ {col.max:g}"
    return rule


def _cross_file_problems(frames: dict[str, pd.DataFrame]) -> list[str]:
    problems = []
    adsl = frames.get("adsl.csv")
    if adsl is None:
        return problems
    known = set(adsl["USUBJID"].dropna())
    for name, frame in frames.items():
        if name == "adsl.csv" or frame is None or "USUBJID" not in frame:
            continue
        ids = frame["USUBJID"]
        for i, u in ids[ids.notna() & ~ids.isin(known)].items():  # only the unknown ones are visited
            problems.append(f"{name} row {i} (USUBJID {u}): USUBJID is not in adsl.csv")
    if "ITTFL" in adsl and not adsl["ITTFL"].fillna("Y").eq("Y").any():
        problems.append("adsl.csv: no subject is in the ITT population (every ITTFL is N); at least one must be Y")
    height = adsl["HEIGHTBL"].dropna() if "HEIGHTBL" in adsl else pd.Series(dtype=float)
    if len(height) and height.le(3).all():
        problems.append(f"adsl.csv: HEIGHTBL looks like metres ({height.min():g}–{height.max():g}); give centimetres")
    icu = frames.get("adicu.csv")
    if icu is not None:
        for i in icu.index[icu["AENDY"] < icu["ASTDY"]]:
            problems.append(
                f"adicu.csv row {i} (USUBJID {icu['USUBJID'].loc[i]}): AENDY must be ≥ ASTDY, "
                f"got {icu['AENDY'].loc[i]:g} < {icu['ASTDY'].loc[i]:g}"
            )
        problems.extend(_overlapping_episodes(icu))
    for name in ("adtte.csv", "adlb.csv", "advs.csv"):
        frame = frames.get(name)
        if frame is None:
            continue
        problems.extend(_paramcd_case(name, frame))
        if name != "adtte.csv":
            problems.extend(_second_baselines(name, frame))
    return problems


def _overlapping_episodes(icu: pd.DataFrame) -> list[str]:
    """Episodes of one type and subject that overlap (they would be counted twice)."""
    ordered = icu.sort_values(["USUBJID", "PARAMCD", "ASTDY", "AENDY"])
    group = ordered.groupby(["USUBJID", "PARAMCD"], sort=False)
    reach = group["AENDY"].cummax().groupby([ordered["USUBJID"], ordered["PARAMCD"]], sort=False).shift()
    rows = ordered.index.to_series()
    # the row that reached furthest so far: the one whose AENDY equals the running maximum
    holder = rows.where(ordered["AENDY"].eq(group["AENDY"].cummax())).groupby(
        [ordered["USUBJID"], ordered["PARAMCD"]], sort=False).ffill()
    prev_holder = holder.groupby([ordered["USUBJID"], ordered["PARAMCD"]], sort=False).shift()
    bad = ordered.index[(ordered["ASTDY"] < reach).fillna(False).to_numpy()]
    return [
        f"adicu.csv row {i} (USUBJID {ordered.loc[i, 'USUBJID']}): {ordered.loc[i, 'PARAMCD']} episode from day "
        f"{ordered.loc[i, 'ASTDY']:g} overlaps row {int(prev_holder.loc[i])} (to day {reach.loc[i]:g}); "
        "episodes of one type must not overlap"
        for i in bad
    ]


def _paramcd_case(name: str, frame: pd.DataFrame) -> list[str]:
    problems = []
    for code, rows in frame.groupby("PARAMCD", sort=False).groups.items():
        if code != code.upper():
            problems.append(f"{name} {_rows_text(list(rows))}: PARAMCD '{code}' must be upper case (ADaM); "
                            f"did you mean '{code.upper()}'?")
    return problems


def _second_baselines(name: str, frame: pd.DataFrame) -> list[str]:
    if "ABLFL" in frame and frame["ABLFL"].eq("Y").any():
        base = frame["ABLFL"].eq("Y")
    elif "AVISITN" in frame:
        base = frame["AVISITN"].eq(0)
    else:
        return []
    dup = frame[base.fillna(False)].duplicated(["USUBJID", "PARAMCD"])
    return [
        f"{name} row {i} (USUBJID {frame['USUBJID'].loc[i]}): a second baseline record for "
        f"{frame['PARAMCD'].loc[i]}; at most one per subject and parameter"
        for i in dup[dup].index
    ]


def _coverage_warnings(frames: dict[str, pd.DataFrame | None]) -> list[str]:
    """Subjects of adsl without a record in adtte for a parameter: left out of that analysis."""
    adsl, tte = frames.get("adsl.csv"), frames.get("adtte.csv")
    if adsl is None or tte is None or tte.empty:
        return []
    itt = adsl.loc[adsl["ITTFL"].fillna("Y").eq("Y") if "ITTFL" in adsl else adsl.index, "USUBJID"]
    warnings = []
    for code, rows in tte.groupby("PARAMCD"):
        missing = sorted(set(itt) - set(rows["USUBJID"]))
        if missing:
            shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
            warnings.append(f"adtte.csv: {len(missing)} ITT subject{'s' if len(missing) != 1 else ''} of adsl.csv "
                            f"{'have' if len(missing) != 1 else 'has'} no {code} record ({shown}); "
                            f"the {code} analyses leave {'them' if len(missing) != 1 else 'it'} out")
    return warnings


@dataclass
class Check:
    """What ``ruxlib check`` found: the frames read, problems (errors) and warnings."""

    frames: dict[str, pd.DataFrame | None]
    problems: list[str]
    warnings: list[str]
    meta: dict
    files: dict[str, Path]


def _file_kind(file: Path) -> str | None:
    """``None`` if absent; ``"file"``; else what the non-regular entry is."""
    try:
        st = os.lstat(file)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(file)
        except FileNotFoundError:
            return "a symbolic link to a missing file"
        except OSError:
            return "a symbolic link that loops"
    if stat.S_ISDIR(st.st_mode):
        return "a folder"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a FIFO, socket or device)"
    return "file"


def _locate(path: Path, spec: FileSpec, entries: list[str], problems: list[str], warnings: list[str]) -> Path | None:
    """The file holding dataset ``spec`` (``NAME.csv`` or ``NAME.xpt``), or None; near misses warn."""
    stem = spec.name.removesuffix(".csv")
    exact = [f"{stem}.csv", f"{stem}.xpt"]
    found = []
    for name in exact:
        kind = _file_kind(path / name)
        if kind is None:
            continue
        if kind != "file":
            problems.append(f"{name}: is {kind}, not a data file")
        else:
            found.append(path / name)
    for entry in entries:
        low = entry.lower()
        if entry not in exact and (low in exact or low.startswith(f"{stem}.csv.") or low.startswith(f"{stem}.xpt.")
                                   or low in (f"{stem}.txt", f"{stem}.tsv", f"{stem}.sas7bdat")):
            warnings.append(f"{entry}: not read; name the file {stem}.csv (or {stem}.xpt), in lower case")
    if len(found) == 2:
        problems.append(f"{stem}.csv and {stem}.xpt: both present; keep one")
        return None
    return found[0] if found else None


def _read_meta(path: Path, problems: list[str], warnings: list[str]) -> dict:
    """``study.yml``: a mapping of the keys in :data:`ruxlib.schema.META_KEYS`, each of its type."""
    file = path / "study.yml"
    kind = _file_kind(file)
    if kind is None:
        return {}
    if kind != "file":
        problems.append(f"study.yml: is {kind}, not a YAML file")
        return {}
    try:
        meta = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        problems.append(f"study.yml: not valid YAML ({str(e).splitlines()[0]})")
        return {}
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        problems.append(f"study.yml: must be a mapping of keys to values (title: …), got a {type(meta).__name__}")
        return {}
    clean = {}
    for key, value in meta.items():
        if key not in META_KEYS:
            warnings.append(f"study.yml: unknown key '{key}' is ignored (known: {', '.join(META_KEYS)})")
            continue
        kind_, _ = META_KEYS[key]
        kinds = kind_ if isinstance(kind_, tuple) else (kind_,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if value is None:
            continue
        if not ok:
            names = " or ".join({str: "text", int: "a whole number", float: "a number", bool: "true or false"}[k] for k in kinds)
            problems.append(f"study.yml: {key} must be {names}, got '{value}'")
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            problems.append(f"study.yml: {key} must be ≥ 0, got {value}")
            continue
        clean[key] = value
    return clean


def check_study(path: str | Path) -> Check:
    """Read and check every file of a study folder; nothing is raised, nothing written.

    Returns
    -------
    Check
        ``problems`` break the contract (``load_study`` refuses the folder); ``warnings`` are
        possible but unusual (named in the build summary and on the pages they affect).
    """
    path = Path(path)
    problems: list[str] = []
    warnings: list[str] = []
    frames: dict[str, pd.DataFrame | None] = {}
    files: dict[str, Path] = {}
    if not path.is_dir():
        return Check(frames, [f"{path}: not a folder (a study folder holds adsl.csv and optional files)"], [], {}, files)
    try:
        entries = sorted(os.listdir(path))
    except OSError as e:
        return Check(frames, [f"{path}: cannot be read ({e.strerror})"], [], {}, files)
    for spec in FILES:
        file = _locate(path, spec, entries, problems, warnings)
        if file is None:
            if spec.required and not any(p.startswith(spec.name.removesuffix(".csv") + ".") for p in problems):
                problems.append(f"{spec.name}: required file is missing from {path}")
            frames[spec.name] = None
            continue
        files[spec.name] = file
        read = _read_rows(file, spec, problems)
        if read is None:
            frames[spec.name] = None
            continue
        frame = _typed_frame(spec, *read, problems)
        frames[spec.name] = frame
        if frame is not None:
            problems.extend(_value_problems(spec, frame))
            warnings.extend(_plausibility_warnings(spec, frame))
    problems.extend(_cross_file_problems(frames))
    warnings.extend(_coverage_warnings(frames))
    meta = _read_meta(path, problems, warnings)
    return Check(frames, _grouped(problems), warnings, meta, files)


_ROW_PROBLEM = re.compile(r"^(?P<file>\S+) row (?P<row>\d+)(?: \(USUBJID [^)]*\))?: (?P<rule>.*?)(?:, got (?P<got>.*))?$")


def _grouped(problems: list[str], keep: int = 3) -> list[str]:
    """Repeated problems of one rule in one file as one line: ``rows 1, 2, 5, … (30 rows)``.

    A rule broken in at most ``keep`` rows keeps one line per row (with its USUBJID).
    """
    groups: dict[tuple[str, str], list[tuple[int, str, str | None]]] = {}
    for k, p in enumerate(problems):
        m = _ROW_PROBLEM.match(p)
        key = (m["file"], m["rule"]) if m else ("", p)
        groups.setdefault(key, []).append((k, p, m and m["got"]))
    out = []
    for (file, rule), items in sorted(groups.items(), key=lambda kv: kv[1][0][0]):
        if not file or len(items) <= keep:
            out.extend(p for _, p, _ in items)
            continue
        rows = sorted(int(_ROW_PROBLEM.match(p)["row"]) for _, p, _ in items)
        got = list(dict.fromkeys(g for _, _, g in items if g))
        shown = f" (got {', '.join(got[:5])}{', …' if len(got) > 5 else ''})" if got else ""
        out.append(f"{file} {_rows_text(rows)}: {rule}{shown}")
    return out


def coverage(check: Check) -> str:
    """One line per contract file: where it was found, its rows and subjects, what it enables."""
    rows = [("file", "found", "rows", "subjects", "enables")]
    for spec in FILES:
        frame = check.frames.get(spec.name)
        found = check.files[spec.name].name if spec.name in check.files else "absent"
        if frame is None:
            n_rows = n_subj = "–"
        else:
            n_rows, n_subj = str(len(frame)), str(frame["USUBJID"].nunique())
        rows.append((spec.name.removesuffix(".csv"), found, n_rows, n_subj, spec.pages if frame is not None else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
                     for r in rows).rstrip()


def validate_study(path: str | Path) -> tuple[dict[str, pd.DataFrame | None], list[str]]:
    """Read and check every file of a study folder; return (frames, problems)."""
    check = check_study(path)
    return check.frames, check.problems


def _derive(frames: dict[str, pd.DataFrame | None]) -> None:
    """Add the derived variables of :mod:`ruxlib.derive`, once, in dependency order."""
    for name in ("adlb.csv", "advs.csv"):
        if frames.get(name) is not None:
            frames[name] = derive.derive_var_ablfl(frames[name])
    adsl = derive.derive_var_ittfl(frames["adsl.csv"])
    adsl = derive.derive_var_bmibl(adsl)
    adsl = derive.derive_var_lnrbl(adsl, frames.get("adlb.csv"))
    adsl = derive.derive_var_lnrfl(adsl)
    adsl = derive.derive_var_dthdy(adsl, frames.get("adtte.csv"))
    frames["adsl.csv"] = derive.derive_var_lstalvdy(adsl, frames.get("adtte.csv"))


def load_study(path: str | Path) -> Study:
    """Load a study folder, validated against the data contract.

    Parameters
    ----------
    path : str or Path
        Folder with ``adsl.csv`` and any of the optional files.

    Returns
    -------
    Study
        Data frames as attributes (``study.adsl``, ``study.adtte``, …); absent
        optional files are ``None``. Derived variables (:mod:`ruxlib.derive`):
        adsl ``ITTFL`` (default Y), ``BMIBL`` (from weight and height when
        missing), ``LNRBL`` (from adlb LYMPH/NEUT at baseline when missing),
        ``LNRFL``, ``DTHDY`` and ``LSTALVDY`` (from adtte OS); adlb and advs
        ``ABLFL``.

    Raises
    ------
    DataError
        Listing every problem found, each naming file, row, USUBJID and rule;
        or naming the subjects with two baseline records for one parameter.
    """
    path = Path(path)
    if os.environ.get(SNAPSHOT_ENV):
        saved = _from_snapshot(Path(os.environ[SNAPSHOT_ENV]), path)
        if saved is not None:
            return saved
    return _load_checked(path)[0]


def _load_checked(path: Path) -> tuple[Study, Check]:
    """:func:`load_study` without the snapshot, and the :class:`Check` it passed."""
    check = check_study(path)
    if check.problems:
        raise DataError(check.problems)
    frames = {k: (None if v is None else v.reset_index(drop=True)) for k, v in check.frames.items()}
    try:
        _derive(frames)
    except ValueError as e:
        raise DataError([str(e)]) from None
    kwargs = {spec.name.removesuffix(".csv"): frames[spec.name] for spec in FILES}
    return Study(path=path.resolve(), meta=check.meta, warnings=check.warnings, **kwargs), check


SNAPSHOT_ENV = "RUXBOOK_STUDY_SNAPSHOT"
"""Environment variable naming a study saved by :func:`save_snapshot`. ``ruxlib build`` validates
the study folder once, saves it, and sets this for the pages it executes: their
:func:`load_study` of the same, unchanged folder reads the snapshot (a fraction of a second)
instead of validating every file again (8 s per page at 10,000 subjects)."""


def _signature(folder: Path) -> list[tuple[str, int, int]]:
    """Every file under ``folder``: relative path, size and modification time (ns)."""
    found = []
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            found.append((p.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns))
    return found


def save_snapshot(study: Study, file: Path) -> Path:
    """Save a loaded study, with its folder's signature, for :func:`load_study` (:data:`SNAPSHOT_ENV`)."""
    import pickle

    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    record = {"folder": str(study.path), "signature": _signature(study.path), "study": study}
    tmp = file.with_name(file.name + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(record, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, file)
    return file


def _from_snapshot(file: Path, path: Path) -> Study | None:
    """The study saved in ``file`` if it is ``path``'s and no file of the folder changed since; else None."""
    import pickle

    try:
        with open(file, "rb") as fh:
            record = pickle.load(fh)
        folder = path.resolve()
        if record["folder"] != str(folder) or record["signature"] != _signature(folder):
            return None
        return record["study"]
    except (OSError, EOFError, pickle.UnpicklingError, KeyError, TypeError, AttributeError):
        return None


def baseline(frame: pd.DataFrame) -> pd.DataFrame:
    """Baseline records of a loaded BDS dataset (``ABLFL == "Y"``, see :func:`ruxlib.derive.derive_var_ablfl`)."""
    return frame[frame["ABLFL"].eq("Y")]


SPEC_BY_DATASET = {name.removesuffix(".csv"): spec for name, spec in SPECS.items()}
