"""Load and validate a study folder (see the data appendix of the book).

Every problem in a folder is collected before anything is raised, so a user
fixing an export sees the whole list at once. The folder is only ever read.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml

from . import derive
from .schema import FILES, SPECS, FileSpec

__all__ = ["DataError", "Study", "load_study", "validate_study"]


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

    @property
    def reconstructed(self) -> bool:
        """True when ``study.yml`` declares the data reconstructed (not a trial's records)."""
        return bool(self.meta.get("reconstructed", False))

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


def _read_rows(path: Path, spec: FileSpec, problems: list[str]) -> tuple[list[str], list[list[str]]] | None:
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
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(c.strip() for c in r)]
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
    kept = []
    for i, r in enumerate(body, start=1):
        if len(r) != len(header):
            problems.append(f"{spec.name} row {i}: has {len(r)} fields, the header has {len(header)}")
        else:
            kept.append((i, [c.strip() for c in r]))
    return header, kept


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
    return value, None


def _typed_frame(spec: FileSpec, header: list[str], body: list[tuple[int, list[str]]], problems: list[str]) -> pd.DataFrame | None:
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    for name in missing:
        problems.append(f"{spec.name}: required column {name} is missing")
    if missing:
        return None
    if not body and not spec.allow_empty:
        problems.append(f"{spec.name}: has a header but no data rows")
        return None
    frame = pd.DataFrame([r for _, r in body], columns=header, index=[i for i, _ in body], dtype=object)
    frame.index.name = "ROW"
    usub = frame["USUBJID"].tolist() if "USUBJID" in frame else [None] * len(frame)
    rownums = frame.index.tolist()
    for col in spec.columns:
        if col.name not in frame:
            continue
        values = []
        for i, cell in enumerate(frame[col.name].tolist()):
            where = _where(spec, rownums[i], usub[i])
            if cell == "":
                if not col.nullable:
                    problems.append(f"{where}: {col.name} is empty; it is required")
                values.append(None)
                continue
            if col.kind in ("float", "int"):
                value, problem = _parse_number(cell)
                if problem:
                    problems.append(f"{where}: {col.name} {problem}")
                elif col.kind == "int" and value is not None and value != int(value):
                    problems.append(f"{where}: {col.name} must be a whole number, got '{cell}'")
                    value = None
                values.append(value)
            else:
                if col.name != "USUBJID" and col.allowed is None and cell.upper() in _SENTINELS - {"-"}:
                    problems.append(f"{where}: {col.name} '{cell}' looks like a missing-value code; leave missing values empty")
                values.append(cell)
        if col.kind == "float":
            frame[col.name] = pd.Series([np.nan if v is None else v for v in values], index=frame.index, dtype="float64")
        elif col.kind == "int":
            frame[col.name] = pd.Series([None if v is None else int(v) for v in values], index=frame.index, dtype="Int64")
        else:
            frame[col.name] = pd.Series(values, index=frame.index, dtype="object")
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
    problems = []
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
        keys = frame[list(spec.unique)].astype(str).agg("\x1f".join, axis=1)
        first_row: dict[str, int] = {}
        for idx, key in keys.items():
            if key in first_row:
                shown = ", ".join(f"{k} {frame[k].loc[idx]}" for k in spec.unique)
                problems.append(
                    f"{_where(spec, idx, frame['USUBJID'].loc[idx])}: duplicate of row {first_row[key]} "
                    f"({shown}); {' × '.join(spec.unique)} must be unique"
                )
            else:
                first_row[key] = idx
    return problems


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
        for i, u in frame["USUBJID"].items():
            if u is not None and u not in known:
                problems.append(f"{name} row {i} (USUBJID {u}): USUBJID is not in adsl.csv")
    icu = frames.get("adicu.csv")
    if icu is not None:
        for i in icu.index[icu["AENDY"] < icu["ASTDY"]]:
            problems.append(
                f"adicu.csv row {i} (USUBJID {icu['USUBJID'].loc[i]}): AENDY must be ≥ ASTDY, "
                f"got {icu['AENDY'].loc[i]:g} < {icu['ASTDY'].loc[i]:g}"
            )
    vs = frames.get("advs.csv")
    if vs is not None:
        base = vs["ABLFL"].eq("Y") if "ABLFL" in vs else vs.get("AVISITN", pd.Series(np.nan, index=vs.index)).eq(0)
        dup = vs[base.fillna(False)].duplicated(["USUBJID", "PARAMCD"])
        for i in dup[dup].index:
            problems.append(
                f"advs.csv row {i} (USUBJID {vs['USUBJID'].loc[i]}): a second baseline record for "
                f"{vs['PARAMCD'].loc[i]}; at most one per subject and parameter"
            )
    return problems


def validate_study(path: str | Path) -> tuple[dict[str, pd.DataFrame | None], list[str]]:
    """Read and check every file of a study folder; return (frames, problems)."""
    path = Path(path)
    problems: list[str] = []
    frames: dict[str, pd.DataFrame | None] = {}
    if not path.is_dir():
        return frames, [f"{path}: not a folder (a study folder holds adsl.csv and optional files)"]
    for spec in FILES:
        file = path / spec.name
        if not file.exists():
            if spec.required:
                problems.append(f"{spec.name}: required file is missing from {path}")
            frames[spec.name] = None
            continue
        read = _read_rows(file, spec, problems)
        if read is None:
            frames[spec.name] = None
            continue
        frame = _typed_frame(spec, *read, problems)
        frames[spec.name] = frame
        if frame is not None:
            problems.extend(_value_problems(spec, frame))
    problems.extend(_cross_file_problems(frames))
    return frames, problems


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
    frames, problems = validate_study(path)
    if problems:
        raise DataError(problems)
    frames = {k: (None if v is None else v.reset_index(drop=True)) for k, v in frames.items()}
    try:
        _derive(frames)
    except ValueError as e:
        raise DataError([str(e)]) from None
    meta = {}
    meta_file = path / "study.yml"
    if meta_file.exists():
        try:
            meta = yaml.safe_load(meta_file.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise DataError([f"study.yml: not valid YAML ({e})"]) from None
    kwargs = {spec.name.removesuffix(".csv"): frames[spec.name] for spec in FILES}
    return Study(path=path.resolve(), meta=meta, **kwargs)


def baseline(frame: pd.DataFrame) -> pd.DataFrame:
    """Baseline records of a loaded BDS dataset (``ABLFL == "Y"``, see :func:`ruxlib.derive.derive_var_ablfl`)."""
    return frame[frame["ABLFL"].eq("Y")]


SPEC_BY_DATASET = {name.removesuffix(".csv"): spec for name, spec in SPECS.items()}
