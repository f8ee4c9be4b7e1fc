"""Hypothesis strategies for study folders: valid ones, and single-fault mutations of valid ones.

A folder is a :class:`Folder`: file name → a table (``pandas.DataFrame`` of strings, written
as CSV), raw text, or a :data:`SPECIAL` entry (a folder, a FIFO, a dangling symbolic link).
Hypothesis draws the *structure* (sizes, which files and optional columns, censoring pattern,
visits, the mutation and where it strikes); the values come from a NumPy generator seeded by
Hypothesis, so that examples stay fast and shrink to small, readable folders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from ruxlib.schema import ELIGIBILITY_FLAGS, SPECS

SPECIAL = ("a folder", "a FIFO", "a dangling link")
OPTIONAL = ("adtte", "adlb", "adae", "advs", "admh", "adex", "adicu")
LAB_CODES = ("CRP", "IL6", "FERRITIN", "LYMPH", "NEUT", "DDIMER", "LDH", "PLAT")
VS_CODES = ("HR", "RESP", "PFRATIO", "PEEP", "SYSBP", "DIABP", "TEMP")


@dataclass
class Folder:
    """A study folder to be written: file name → table, text or one of :data:`SPECIAL`."""

    files: dict[str, pd.DataFrame | str] = field(default_factory=dict)
    fault: str = "none"

    def write(self, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        for name, content in self.files.items():
            target = path / name
            if isinstance(content, pd.DataFrame):
                target.write_text(content.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
            elif content == "a folder":
                target.mkdir()
            elif content == "a FIFO":
                os.mkfifo(target)
            elif content == "a dangling link":
                target.symlink_to(path / "no-such-file.csv")
            else:
                target.write_text(content, encoding="utf-8")
        return path

    def tables(self) -> dict[str, pd.DataFrame]:
        return {k: v for k, v in self.files.items() if isinstance(v, pd.DataFrame)}


def snapshot(path: Path) -> dict[str, object]:
    """Every entry under ``path`` with what it is: bytes of files, targets of links, kinds of the rest."""
    out = {}
    for entry in sorted(path.rglob("*")):
        st_ = entry.lstat()
        rel = str(entry.relative_to(path))
        if entry.is_symlink():
            out[rel] = ("link", os.readlink(entry))
        elif entry.is_file():
            out[rel] = ("file", entry.read_bytes(), st_.st_mtime_ns)
        else:
            out[rel] = ("other", st_.st_mode, st_.st_mtime_ns)
    return out


def _num(x) -> str:
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:g}"


def _frame(columns: dict[str, list]) -> pd.DataFrame:
    return pd.DataFrame({k: [v if isinstance(v, str) else _num(v) for v in vals] for k, vals in columns.items()},
                        dtype=object)


@st.composite
def valid_folders(draw) -> Folder:
    """A folder within the data contract: 1–60 subjects, optional files present, absent or header-only."""
    n = draw(st.integers(1, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pattern = draw(st.sampled_from(("S-{:03d}", "{}", "RUX 2020/{:02d}")))
    ids = [pattern.format(i) for i in range(n)]
    files: dict[str, pd.DataFrame | str] = {"adsl.csv": _adsl(draw, rng, ids)}
    for stem in OPTIONAL:
        state = draw(st.sampled_from(("absent", "present", "present", "header-only")))
        if state == "absent":
            continue
        table = _MAKERS[stem](draw, rng, ids)
        files[f"{stem}.csv"] = table.iloc[0:0] if state == "header-only" else table
    if draw(st.booleans()):
        files["study.yml"] = draw(st.sampled_from((
            "", "title: A generated trial\n", "title: T\nscreened: 20\nreconstructed: false\n",
            "title: T\nhorizon_days: 28\nfollowup_days: 60\n",
        )))
    return Folder(files)


def _adsl(draw, rng, ids) -> pd.DataFrame:
    n = len(ids)
    cols: dict[str, list] = {"USUBJID": ids, "AGE": list(rng.integers(18, 95, n).astype(float)),
                             "SEX": list(rng.choice(["F", "M"], n))}
    optional = draw(st.sets(st.sampled_from(("ITTFL", "WEIGHTBL", "HEIGHTBL", "BMIBL", "TRTDURD", "EOTREAS",
                                             "VENTPRED", "D28STAT", "LNRBL", "LNREXCL", "FLAGS"))))
    if "ITTFL" in optional:
        itt = list(rng.choice(["Y", "N", ""], n, p=[0.8, 0.1, 0.1]))
        itt[0] = "Y"
        cols["ITTFL"] = itt
    if "WEIGHTBL" in optional:
        cols["WEIGHTBL"] = list(rng.normal(82, 15, n).clip(35, 200).round(1))
    if "HEIGHTBL" in optional:
        cols["HEIGHTBL"] = list(rng.normal(172, 9, n).clip(140, 210).round(0))
    if "BMIBL" in optional:
        cols["BMIBL"] = [np.nan if rng.random() < 0.3 else round(float(rng.uniform(18, 45)), 1) for _ in ids]
    if "TRTDURD" in optional:
        cols["TRTDURD"] = list(rng.integers(1, 15, n).astype(float))
    if "EOTREAS" in optional:
        cols["EOTREAS"] = list(rng.choice(["COMPLETED", "DEATH", "ADVERSE EVENT", "TRANSFERRED", ""], n))
    if "VENTPRED" in optional:
        value = _values(draw, rng, lambda: float(rng.integers(0, 8) + rng.choice([0, 0.5])))
        cols["VENTPRED"] = [value() for _ in ids]
    if "D28STAT" in optional:
        cols["D28STAT"] = list(rng.choice(["DEAD", "ICU VENTILATED", "ACUTE CARE", "DISCHARGED", ""], n))
    if "LNRBL" in optional:
        cols["LNRBL"] = [np.nan if rng.random() < 0.2 else round(float(rng.uniform(0.01, 0.5)), 3) for _ in ids]
    if "LNREXCL" in optional:
        share = draw(st.sampled_from((0.1, 1.0)))
        cols["LNREXCL"] = ["LEUKEMIA" if rng.random() < share else "" for _ in ids]
    if "FLAGS" in optional:
        for flag in draw(st.sets(st.sampled_from(sorted(ELIGIBILITY_FLAGS)), min_size=1)):
            cols[flag] = list(rng.choice(["Y", "N", ""], n))
    return _frame(cols)


def _adtte(draw, rng, ids) -> pd.DataFrame:
    pattern = draw(st.sampled_from(("mixed", "all-censored", "all-dead", "ties")))
    covered = ids
    if draw(st.booleans()):  # some subjects without an OS record: a warning, not an error
        covered = [u for u in ids if rng.random() > 0.05] or ids[:1]
    k = len(covered)
    aval = rng.integers(1, 5, k) if pattern == "ties" else rng.integers(0, 90, k)
    cnsr = {"all-censored": np.ones(k), "all-dead": np.zeros(k)}.get(pattern, rng.integers(0, 2, k))
    codes = draw(st.sampled_from((("OS",), ("OS",), ("OS", "PFS"), ("ICUFREE",))))
    cols = {"USUBJID": covered * len(codes), "PARAMCD": [c for c in codes for _ in covered],
            "AVAL": list(aval.astype(float)) * len(codes), "CNSR": [str(int(c)) for c in cnsr] * len(codes)}
    if draw(st.booleans()):
        cols["PARAM"] = [f"Parameter {c}" for c in cols["PARAMCD"]]
    return _frame(cols)


def _values(draw, rng, spread):
    """A generator of values: ``spread()`` rounded, one constant, or two values only (ties everywhere)."""
    mode = draw(st.sampled_from(("spread", "spread", "constant", "two values")))
    if mode == "constant":
        return lambda: 5.0
    if mode == "two values":
        return lambda: float(rng.choice([2.0, 8.0]))
    return lambda: round(spread(), 2)


def _visits(draw) -> list[float]:
    return sorted(draw(st.sets(st.sampled_from((0.0, 3.0, 7.0, 14.0, 28.0)), min_size=1)) | {0.0})


def _adlb(draw, rng, ids) -> pd.DataFrame:
    codes = draw(st.sets(st.sampled_from(LAB_CODES), min_size=1))
    visits = _visits(draw)
    value = _values(draw, rng, lambda: float(rng.lognormal(3, 1)))
    rows = [(u, c, v, value()) for u in ids for c in sorted(codes) for v in visits if v == 0 or rng.random() > 0.2]
    cols = {"USUBJID": [r[0] for r in rows], "PARAMCD": [r[1] for r in rows],
            "AVISITN": [r[2] for r in rows], "AVAL": [r[3] for r in rows]}
    extra = draw(st.sets(st.sampled_from(("AVALU", "ANRHI", "ABLFL", "ADY"))))
    if "AVALU" in extra:
        cols["AVALU"] = [{"PLAT": "10^9/L", "NEUT": "10^9/L", "LYMPH": "10^9/L", "LDH": "U/L"}.get(r[1], "mg/L")
                         for r in rows]
    if "ANRHI" in extra:
        cols["ANRHI"] = [400.0 if r[1] == "FERRITIN" else np.nan for r in rows]
    if "ABLFL" in extra:
        cols["ABLFL"] = ["Y" if r[2] == 0 else "" for r in rows]
    if "ADY" in extra:
        cols["ADY"] = [r[2] for r in rows]
    return _frame(cols)


def _adae(draw, rng, ids) -> pd.DataFrame:
    terms = ("Hypokalaemia", "Thrombocytopenia", "Anaemia", "Delirium", "Sepsis")
    rows = [(u, t, int(rng.integers(1, 6))) for u in ids for t in terms if rng.random() < 0.2]
    cols = {"USUBJID": [r[0] for r in rows], "AEDECOD": [r[1] for r in rows], "ATOXGR": [str(r[2]) for r in rows]}
    for col in draw(st.sets(st.sampled_from(("AEBODSYS", "AESER", "AEREL", "ASTDY")))):
        cols[col] = {"AEBODSYS": ["General disorders"] * len(rows), "AESER": list(rng.choice(["Y", "N"], len(rows))),
                     "AEREL": list(rng.choice(["RELATED", "NOT RELATED", "POSSIBLE"], len(rows))),
                     "ASTDY": list(rng.integers(0, 28, len(rows)).astype(float))}[col]
    return _frame(cols)


def _advs(draw, rng, ids) -> pd.DataFrame:
    codes = sorted(draw(st.sets(st.sampled_from(VS_CODES), min_size=1)))
    mean = {"HR": 90, "RESP": 22, "PFRATIO": 160, "PEEP": 10, "SYSBP": 120, "DIABP": 70, "TEMP": 37.5}
    value = _values(draw, rng, lambda: float(abs(rng.normal(5, 1))))
    rows = [(u, c, round(value() * mean[c] / 5, 1)) for u in ids for c in codes]
    cols = {"USUBJID": [r[0] for r in rows], "PARAMCD": [r[1] for r in rows], "AVAL": [r[2] for r in rows]}
    if draw(st.booleans()):
        cols["ABLFL"] = ["Y"] * len(rows)
    else:
        cols["AVISITN"] = [0.0] * len(rows)
    return _frame(cols)


def _admh(draw, rng, ids) -> pd.DataFrame:
    rows = [(u, c) for u in ids for c in ("Diabetes", "Hypertension", "Obesity") if rng.random() < 0.3]
    return _frame({"USUBJID": [r[0] for r in rows], "MHCAT": [r[1] for r in rows]})


def _adex(draw, rng, ids) -> pd.DataFrame:
    rows = [(u, d / 2, float(rng.choice([15.0, 10.0, 0.0], p=[0.8, 0.1, 0.1])), 15.0)
            for u in ids for d in range(int(rng.integers(1, 29)))]
    cols = {"USUBJID": [r[0] for r in rows], "ADY": [r[1] for r in rows],
            "EXDOSE": [r[2] for r in rows], "EXPLDOS": [r[3] for r in rows]}
    if draw(st.booleans()):
        cols["EXADJ"] = ["" if r[2] == r[3] else "ADVERSE EVENT" for r in rows]
    return _frame(cols)


def _adicu(draw, rng, ids) -> pd.DataFrame:
    rows = []
    for u in ids:
        if rng.random() < 0.1:
            continue
        start = -float(rng.integers(0, 5))
        end = start + float(rng.integers(0, 40))
        rows.append((u, "ICU", start, end))
        if rng.random() < 0.9:
            rows.append((u, "IMV", start, max(start, end - float(rng.integers(0, 5)))))
        if rng.random() < 0.1:
            rows.append((u, "ECMO", start + 1, start + 2))
    return _frame({"USUBJID": [r[0] for r in rows], "PARAMCD": [r[1] for r in rows],
                   "ASTDY": [r[2] for r in rows], "AENDY": [r[3] for r in rows]})


_MAKERS = {"adtte": _adtte, "adlb": _adlb, "adae": _adae, "advs": _advs, "admh": _admh, "adex": _adex,
           "adicu": _adicu}


# ---------------------------------------------------------------- single-fault mutations

def _cell(draw, table: pd.DataFrame, columns) -> tuple[int, str] | None:
    """A row and one of ``columns`` present in ``table``, or None."""
    present = [c for c in columns if c in table]
    if table.empty or not present:
        return None
    return draw(st.integers(0, len(table) - 1)), draw(st.sampled_from(present))


def _set(draw, folder: Folder, columns, values) -> bool:
    """Put one of ``values`` into a cell of one of ``columns`` in a drawn table; False if none fits."""
    names = [n for n, t in folder.tables().items() if not t.empty and any(c in t for c in columns)]
    if not names:
        return False
    name = draw(st.sampled_from(names))
    row, col = _cell(draw, folder.files[name], columns)
    table = folder.files[name].copy()
    table.iloc[row, table.columns.get_loc(col)] = draw(st.sampled_from(values))
    folder.files[name] = table
    return True


def _numeric_columns(kind: str | None = None) -> list[str]:
    return sorted({c.name for s in SPECS.values() for c in s.columns if c.kind in ("float", "int")
                   and (kind is None or c.kind == kind)})


def _wrong_type(draw, f):
    return _set(draw, f, _numeric_columns(), ("abc", "1,5", "12 days", "inf", "NaN", "N/A", "1e400", "--3", "0x10"))


def _out_of_range(draw, f):
    return _set(draw, f, ["AGE", "AVAL", "HEIGHTBL", "WEIGHTBL", "BMIBL", "ATOXGR", "CNSR", "EXDOSE", "ADY",
                          "TRTDURD", "VENTPRED", "LNRBL", "ANRHI", "ASTDY", "AENDY"],
                ("-5", "250", "0", "1e308", "1e12", "-1", "0.5", "7", "1.75", "100000"))


def _sentinel(draw, f):
    return _set(draw, f, _numeric_columns() + ["EOTREAS", "D28STAT", "PARAM", "AEDECOD", "MHCAT"],
                ("-99", "-9", "-999", "NA", "n/a", "."))


def _bad_text(draw, f):
    return _set(draw, f, ["SEX", "ITTFL", "AESER", "ABLFL", "PARAMCD", *sorted(ELIGIBILITY_FLAGS)],
                ("m", "yes", "X", "Y ", "os", "Os", "icu", "<b>x</b>", "{ref}`x`"))


def _empty_required(draw, f):
    return _set(draw, f, sorted({c.name for s in SPECS.values() for c in s.columns if c.required}), ("", " "))


def _padded_id(draw, f):
    return _set(draw, f, ["USUBJID"], ("S-000 ", " S-001", "s-000", "S-999", "S-000\t"))


def _duplicate_row(draw, f):
    names = [n for n, t in f.tables().items() if not t.empty]
    if not names:
        return False
    name = draw(st.sampled_from(names))
    table = f.files[name]
    row = draw(st.integers(0, len(table) - 1))
    f.files[name] = pd.concat([table, table.iloc[[row]]], ignore_index=True)
    return True


def _drop_column(draw, f):
    name = draw(st.sampled_from(sorted(f.tables())))
    table = f.files[name]
    col = draw(st.sampled_from(list(table.columns)))
    f.files[name] = table.drop(columns=[col])
    return True


def _dangling_id(draw, f):
    names = [n for n, t in f.tables().items() if n != "adsl.csv" and not t.empty]
    if not names:
        return False
    name = draw(st.sampled_from(names))
    table = f.files[name]
    extra = table.iloc[[0]].copy()
    extra["USUBJID"] = "GHOST-1"
    f.files[name] = pd.concat([table, extra], ignore_index=True)
    return True


def _lower_paramcd(draw, f):
    names = [n for n, t in f.tables().items() if "PARAMCD" in t and not t.empty]
    if not names:
        return False
    name = draw(st.sampled_from(names))
    table = f.files[name].copy()
    code = draw(st.sampled_from(sorted(set(table["PARAMCD"]))))
    table.loc[table["PARAMCD"] == code, "PARAMCD"] = code.lower()
    f.files[name] = table
    return True


def _second_baseline(draw, f):
    names = [n for n in ("adlb.csv", "advs.csv") if n in f.tables() and not f.files[n].empty]
    if not names:
        return False
    name = draw(st.sampled_from(names))
    table = f.files[name]
    extra = table.iloc[[0]].copy()
    if "AVISITN" in extra:
        extra["AVISITN"] = "99"
    f.files[name] = pd.concat([table, extra], ignore_index=True)
    return True


def _nobody_itt(draw, f):
    table = f.files["adsl.csv"].copy()
    table["ITTFL"] = "N"
    f.files["adsl.csv"] = table
    return True


def _overlap_episodes(draw, f):
    table = f.files.get("adicu.csv")
    if not isinstance(table, pd.DataFrame) or table.empty:
        return False
    extra = table.iloc[[0]].copy()
    f.files["adicu.csv"] = pd.concat([table, extra], ignore_index=True)
    return True


def _special_file(draw, f):
    name = draw(st.sampled_from(["adsl.csv", "study.yml", *(f"{s}.csv" for s in OPTIONAL)]))
    f.files[name] = draw(st.sampled_from(SPECIAL))
    return True


def _raw_file(draw, f):
    name = draw(st.sampled_from(["adsl.csv", *(f"{s}.csv" for s in OPTIONAL)]))
    f.files[name] = draw(st.sampled_from((
        "", "\n", "USUBJID;AGE;SEX\nA;50;M\n", "usubjid,age,sex\nA,50,M\n", "USUBJID,AGE,SEX\nA,50\n",
        "USUBJID,USUBJID\nA,A\n", "USUBJID,AGE,SEX\n\"A,50,M\n", "\ufeffUSUBJID,AGE,SEX\r\nS-000,50,M\r\n",
        "USUBJID,AGE,SEX\nS-000," + "9" * 200_000 + ",M\n", "USUBJID,PARAMCD,AVAL,CNSR\n",
        "USUBJID,AGE,SEX\nS-000,50,M\n" + "x" * 10,
    )))
    return True


def _upper_name(draw, f):
    names = [n for n in f.files if n.endswith(".csv")]
    name = draw(st.sampled_from(names))
    f.files[name.upper()] = f.files.pop(name)
    return True


def _bad_meta(draw, f):
    f.files["study.yml"] = draw(st.sampled_from((
        "- a\n- list\n", "just a scalar\n", "title: [unclosed\n", "screened: eighteen\n", "screened: -3\n",
        "reconstructed: maybe\n", "title: 12\n", "unknown_key: 1\n", "horizon_days: .nan\n", "title: {a: 1}\n",
        "screened: 1e400\n", "title: \"{ref}`x` <script>alert(1)</script>\"\n", "\x00\x01",
    )))
    return True


MUTATIONS = {
    "wrong type": _wrong_type, "out of range": _out_of_range, "sentinel": _sentinel, "bad text": _bad_text,
    "empty required cell": _empty_required, "padded or unknown id": _padded_id, "duplicate row": _duplicate_row,
    "missing column": _drop_column, "dangling id": _dangling_id, "lower-case PARAMCD": _lower_paramcd,
    "second baseline": _second_baseline, "nobody in ITT": _nobody_itt, "overlapping episodes": _overlap_episodes,
    "non-regular file": _special_file, "malformed file": _raw_file, "upper-case file name": _upper_name,
    "bad study.yml": _bad_meta,
}
"""Fault name → function that applies it to a folder in place (False when the folder has no place for it)."""


@st.composite
def mutated_folders(draw) -> Folder:
    """A valid folder with one fault of :data:`MUTATIONS` (or none when the drawn fault has no place)."""
    folder = draw(valid_folders())
    fault = draw(st.sampled_from(sorted(MUTATIONS)))
    if MUTATIONS[fault](draw, folder):
        folder.fault = fault
    return folder


def page_params() -> st.SearchStrategy[dict]:
    """Page parameters (:data:`ruxlib.params.PARAMS`) within their allowed ranges, each optional."""
    return st.fixed_dictionaries({}, optional={
        "horizon": st.integers(1, 3650), "alpha": st.floats(0.001, 0.5), "conf_type": st.sampled_from(("log-log", "log", "plain")),
        "min_grade": st.integers(1, 5), "adherence_threshold": st.floats(0, 100), "day": st.integers(1, 3650),
        "month": st.integers(28, 31),
    })


def folders() -> st.SearchStrategy[Folder]:
    """Valid folders and single-fault mutations of valid folders, about one in three valid."""
    return st.one_of(valid_folders(), mutated_folders(), mutated_folders())
