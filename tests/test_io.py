"""The data contract: a corpus of malformed study folders, each with its expected message.

Each case starts from a small valid folder written here, breaks one thing, and checks that
``ruxlib check`` names the file, row/USUBJID and rule, exits 1 without a traceback, and
leaves the folder byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ruxlib.io import DataError, load_study, validate_study

VALID = {
    "adsl.csv": (
        "USUBJID,AGE,SEX,ITTFL,WEIGHTBL,HEIGHTBL,TRTDURD,EOTREAS,LNRBL,LNREXCL\n"
        "S-01,59,M,Y,90,175,28,COMPLETED,0.10,\n"
        "S-02,35,F,Y,60,163,4,DEATH,0.03,\n"
        "S-03,92,M,Y,127,186,20,TRANSFERRED,,LEUKEMIA\n"
    ),
    "adtte.csv": "USUBJID,PARAMCD,AVAL,CNSR\nS-01,OS,90,1\nS-02,OS,4,0\nS-03,OS,90,1\n",
    "adlb.csv": "USUBJID,PARAMCD,AVISITN,AVAL,AVALU\nS-01,CRP,0,150,mg/L\nS-01,CRP,7,40,mg/L\nS-02,CRP,0,210,mg/L\n",
    "adae.csv": "USUBJID,AEDECOD,ATOXGR,AESER\nS-01,Dialysis,3,Y\nS-02,Sepsis,4,Y\n",
    "advs.csv": "USUBJID,PARAMCD,AVAL,ABLFL\nS-01,HR,74,Y\nS-02,HR,120,Y\nS-03,HR,55,Y\n",
    "admh.csv": "USUBJID,MHCAT,MHTERM\nS-01,Diabetes,Type 2 diabetes\nS-02,Chronic lung disease,COPD\n",
    "adex.csv": "USUBJID,ADY,EXDOSE,EXPLDOS\nS-01,0,10,10\nS-01,0.5,10,10\nS-01,1,15,15\n",
    "adicu.csv": "USUBJID,PARAMCD,ASTDY,AENDY\nS-01,ICU,-2,16\nS-01,IMV,-1,14\nS-02,ECMO,0,4\n",
}


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def replace(name: str, old: str, new: str):
    def mutate(files):
        assert old in files[name], f"test setup: {old!r} not in {name}"
        files[name] = files[name].replace(old, new, 1)

    return mutate


def set_file(name: str, content):
    def mutate(files):
        files[name] = content

    return mutate


def drop_file(name: str):
    def mutate(files):
        del files[name]

    return mutate


# (case id, mutation, expected fragments of one message)
CASES = [
    ("missing-adsl", drop_file("adsl.csv"), ["adsl.csv", "required file is missing"]),
    ("missing-column", replace("adtte.csv", "USUBJID,PARAMCD,AVAL,CNSR", "USUBJID,PARAMCD,AVAL,CENSOR"),
     ["adtte.csv", "required column CNSR is missing"]),
    ("missing-age-column", replace("adsl.csv", "USUBJID,AGE,SEX", "USUBJID,AGEX,SEX"),
     ["adsl.csv", "required column AGE is missing"]),
    ("wrong-type", replace("adsl.csv", "S-02,35,", "S-02,thirty-five,"),
     ["adsl.csv row 2 (USUBJID S-02)", "AGE", "'thirty-five' is not a number"]),
    ("duplicate-usubjid", replace("adsl.csv", "S-03,92", "S-01,92"),
     ["adsl.csv row 3 (USUBJID S-01)", "duplicate of row 1", "USUBJID must be unique"]),
    ("usubjid-not-in-adsl", replace("adtte.csv", "S-03,OS", "S-99,OS"),
     ["adtte.csv row 3 (USUBJID S-99)", "not in adsl.csv"]),
    ("negative-aval", replace("adtte.csv", "S-02,OS,4,0", "S-02,OS,-4,0"),
     ["adtte.csv row 2 (USUBJID S-02)", "AVAL must be ≥ 0", "-4"]),
    ("cnsr-2", replace("adtte.csv", "S-02,OS,4,0", "S-02,OS,4,2"),
     ["adtte.csv row 2 (USUBJID S-02)", "CNSR must be one of 0, 1", "got 2"]),
    ("sex-x", replace("adsl.csv", "S-02,35,F", "S-02,35,X"),
     ["adsl.csv row 2 (USUBJID S-02)", "SEX must be one of F, M", "got X"]),
    ("empty-file", set_file("adtte.csv", ""), ["adtte.csv", "file is empty"]),
    ("header-only-adsl", set_file("adsl.csv", "USUBJID,AGE,SEX\n"), ["adsl.csv", "no data rows"]),
    ("non-utf8", set_file("adsl.csv", VALID["adsl.csv"].replace("COMPLETED", "GEHEILT ÄÖ").encode("latin-1")),
     ["adsl.csv", "not UTF-8", "0xc4"]),
    ("ragged-row", replace("adtte.csv", "S-02,OS,4,0", "S-02,OS,4,0,extra"),
     ["adtte.csv row 2", "5 fields", "header has 4"]),
    ("excel-decimal", replace("adsl.csv", "0.10", '"0,10"'),
     ["adsl.csv row 1 (USUBJID S-01)", "LNRBL", "decimal comma", "0.10"]),
    ("infinity", replace("adlb.csv", "S-01,CRP,7,40", "S-01,CRP,7,inf"),
     ["adlb.csv row 2 (USUBJID S-01)", "AVAL", "infinite"]),
    ("minus-infinity", replace("adtte.csv", "S-01,OS,90,1", "S-01,OS,-Infinity,1"),
     ["adtte.csv row 1 (USUBJID S-01)", "AVAL", "infinite"]),
    ("sentinel-na", replace("adsl.csv", "S-02,35,", "S-02,NA,"),
     ["adsl.csv row 2 (USUBJID S-02)", "AGE", "leave missing values empty"]),
    ("required-cell-empty", replace("adsl.csv", "S-02,35,F", "S-02,,F"),
     ["adsl.csv row 2 (USUBJID S-02)", "AGE is empty"]),
    ("grade-6", replace("adae.csv", "Sepsis,4", "Sepsis,6"),
     ["adae.csv row 2 (USUBJID S-02)", "ATOXGR must be one of 1, 2, 3, 4, 5", "got 6"]),
    ("grade-fraction", replace("adae.csv", "Sepsis,4", "Sepsis,3.5"),
     ["adae.csv row 2 (USUBJID S-02)", "ATOXGR must be a whole number"]),
    ("lowercase-header", replace("adtte.csv", "USUBJID,PARAMCD,AVAL,CNSR", "usubjid,PARAMCD,AVAL,CNSR"),
     ["adtte.csv", "upper case", "usubjid"]),
    ("semicolon-separated", set_file("adtte.csv", "USUBJID;PARAMCD;AVAL;CNSR\nS-01;OS;90;1\n"),
     ["adtte.csv", "comma-separated"]),
    ("duplicate-column", replace("adtte.csv", "USUBJID,PARAMCD,AVAL,CNSR", "USUBJID,PARAMCD,AVAL,AVAL"),
     ["adtte.csv", "column 'AVAL' appears twice"]),
    ("duplicate-tte-record", replace("adtte.csv", "S-03,OS,90,1", "S-01,OS,30,1"),
     ["adtte.csv row 3 (USUBJID S-01)", "duplicate of row 1", "USUBJID × PARAMCD"]),
    ("icu-end-before-start", replace("adicu.csv", "S-02,ECMO,0,4", "S-02,ECMO,4,0"),
     ["adicu.csv row 3 (USUBJID S-02)", "AENDY must be ≥ ASTDY"]),
    ("icu-unknown-episode", replace("adicu.csv", "S-02,ECMO", "S-02,HDU"),
     ["adicu.csv row 3 (USUBJID S-02)", "PARAMCD must be one of ICU, IMV, ECMO", "HDU"]),
    ("negative-dose", replace("adex.csv", "S-01,1,15,15", "S-01,1,-15,15"),
     ["adex.csv row 3 (USUBJID S-01)", "EXDOSE must be ≥ 0"]),
    ("two-baselines", replace("advs.csv", "S-03,HR,55,Y", "S-02,HR,55,Y"),
     ["advs.csv row 3 (USUBJID S-02)", "second baseline record for HR"]),
    ("age-implausible", replace("adsl.csv", "S-03,92", "S-03,920"),
     ["adsl.csv row 3 (USUBJID S-03)", "AGE must be ≤ 130", "920"]),
    ("ittfl-yes", replace("adsl.csv", "S-01,59,M,Y", "S-01,59,M,YES"),
     ["adsl.csv row 1 (USUBJID S-01)", "ITTFL must be one of Y, N", "YES"]),
    ("eligibility-flag-not-yn", set_file("adsl.csv", "USUBJID,AGE,SEX,PREGFL\nS-01,59,M,N\nS-02,35,F,maybe\nS-03,92,M,\n"),
     ["adsl.csv row 2 (USUBJID S-02)", "PREGFL must be one of Y, N", "maybe"]),
    ("not-a-folder", None, ["not a folder"]),
]


def make_case(tmp_path: Path, mutate) -> Path:
    files = dict(VALID)
    if mutate is None:
        target = tmp_path / "no-such-folder"
        return target
    mutate(files)
    return write(tmp_path / "study", files)


def folder_hash(folder: Path) -> str:
    h = hashlib.sha256()
    if folder.exists():
        for f in sorted(folder.rglob("*")):
            h.update(str(f.relative_to(folder)).encode())
            if f.is_file():
                h.update(f.read_bytes())
    return h.hexdigest()


def test_valid_folder_loads_with_derived_columns(tmp_path):
    study = load_study(write(tmp_path / "study", VALID))
    assert study.n == 3
    assert list(study.adsl["ITTFL"]) == ["Y", "Y", "Y"]
    # BMI derived from weight and height: 90 / 1.75^2 = 29.387755...
    assert study.adsl.loc[0, "BMIBL"] == pytest.approx(29.387755, abs=1e-6)
    assert study.adtte["CNSR"].tolist() == [1, 0, 1]
    assert study.adlb["AVAL"].tolist() == [150.0, 40.0, 210.0]


def test_absent_optional_files_are_none(tmp_path):
    study = load_study(write(tmp_path / "study", {"adsl.csv": VALID["adsl.csv"]}))
    assert study.adtte is None and study.adlb is None and study.adicu is None
    assert not study.has("adae")


def test_corpus_has_at_least_25_cases():
    assert len(CASES) >= 25


@pytest.mark.parametrize("case, mutate, expected", CASES, ids=[c[0] for c in CASES])
def test_malformed_folder_gives_expected_message(tmp_path, case, mutate, expected):
    folder = make_case(tmp_path, mutate)
    before = folder_hash(folder)
    _, problems = validate_study(folder)
    assert any(all(e in p for e in expected) for p in problems), problems
    with pytest.raises(DataError) as info:
        load_study(folder)
    assert info.value.problems == problems
    assert folder_hash(folder) == before


@pytest.mark.parametrize("case, mutate, expected", CASES, ids=[c[0] for c in CASES])
def test_check_command_exits_1_without_traceback(tmp_path, capsys, case, mutate, expected):
    from ruxlib import cli

    folder = make_case(tmp_path, mutate)
    before = folder_hash(folder)
    code = cli.main(["check", str(folder)])
    out = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out.err + out.out
    assert all(e in out.err for e in expected), out.err
    assert folder_hash(folder) == before


def test_every_problem_is_reported_at_once(tmp_path):
    files = dict(VALID)
    files["adsl.csv"] = files["adsl.csv"].replace("S-02,35,F", "S-02,35,X").replace("S-03,92", "S-03,abc")
    files["adtte.csv"] = files["adtte.csv"].replace("S-02,OS,4,0", "S-02,OS,-4,2")
    _, problems = validate_study(write(tmp_path / "study", files))
    assert len(problems) == 4, problems


# --------------------------------------------------------------------------- what `check` must catch
# (issue 15): every case is refused by name, or accepted with a named warning; never a traceback.

PROBLEM_CASES = [
    ("paramcd-lower-case", replace("adtte.csv", "S-01,OS", "S-01,os"),
     ["adtte.csv row 1", "PARAMCD 'os' must be upper case", "did you mean 'OS'?"]),
    ("all-itt-n", set_file("adsl.csv", "USUBJID,AGE,SEX,ITTFL\nS-01,59,M,N\nS-02,35,F,N\nS-03,92,M,N\n"),
     ["adsl.csv", "no subject is in the ITT population"]),
    ("adlb-two-baselines", replace("adlb.csv", "S-01,CRP,7,40,mg/L", "S-01,CRP,7,40,mg/L\nS-01,CRP,0.0,41,mg/L"),
     ["adlb.csv row", "(USUBJID S-01)", "duplicate of row 1"]),
    ("adlb-two-ablfl", set_file("adlb.csv", "USUBJID,PARAMCD,AVISITN,AVAL,ABLFL\nS-01,CRP,0,150,Y\nS-01,CRP,1,140,Y\n"),
     ["adlb.csv row 2 (USUBJID S-01)", "second baseline record for CRP"]),
    ("aval-1e308", replace("adlb.csv", "S-01,CRP,7,40", "S-01,CRP,7,1e308"),
     ["adlb.csv row 2 (USUBJID S-01)", "AVAL", "implausibly large"]),
    ("height-zero", replace("adsl.csv", "S-01,59,M,Y,90,175", "S-01,59,M,Y,90,0"),
     ["adsl.csv row 1 (USUBJID S-01)", "HEIGHTBL must be ≥ 50"]),
    ("height-in-metres", lambda f: f.update({"adsl.csv": f["adsl.csv"].replace(",175,", ",1.75,")
                                             .replace(",163,", ",1.63,").replace(",186,", ",1.86,")}),
     ["adsl.csv", "HEIGHTBL looks like metres", "centimetres"]),
    ("sentinel-minus-99", replace("adlb.csv", "S-01,CRP,7,40", "S-01,CRP,7,-99"),
     ["adlb.csv row 2 (USUBJID S-01)", "AVAL '-99' looks like a missing-value code"]),
    ("icu-overlap", replace("adicu.csv", "S-01,IMV,-1,14", "S-01,IMV,-1,14\nS-01,IMV,10,20"),
     ["adicu.csv row", "(USUBJID S-01)", "IMV episode from day 10 overlaps", "must not overlap"]),
    ("huge-cell", replace("adsl.csv", "COMPLETED", "X" * 1_100_000), ["adsl.csv", "not a readable CSV file"]),
    ("yml-list", set_file("study.yml", "- a\n- b\n"), ["study.yml", "must be a mapping", "list"]),
    ("yml-scalar", set_file("study.yml", "just text\n"), ["study.yml", "must be a mapping", "str"]),
    ("yml-screened-word", set_file("study.yml", "screened: eighteen\n"),
     ["study.yml", "screened must be a whole number", "eighteen"]),
    ("yml-invalid", set_file("study.yml", "title: [unclosed\n"), ["study.yml", "not valid YAML"]),
    ("yml-reconstructed-text", set_file("study.yml", "reconstructed: maybe\n"),
     ["study.yml", "reconstructed must be true or false"]),
]


def _special(kind: str):
    """Mutations that put a non-regular entry where a file is expected."""
    import os

    def mutate(folder: Path):
        if kind == "dir-adsl":
            (folder / "adsl.csv").unlink()
            (folder / "adsl.csv").mkdir()
        elif kind == "dir-adtte":
            (folder / "adtte.csv").unlink()
            (folder / "adtte.csv").mkdir()
        elif kind == "dir-study-yml":
            (folder / "study.yml").mkdir()
        elif kind == "dangling":
            (folder / "adtte.csv").unlink()
            (folder / "adtte.csv").symlink_to(folder / "gone.csv")
        elif kind == "loop":
            (folder / "adtte.csv").unlink()
            (folder / "adtte.csv").symlink_to(folder / "adtte.csv")
        elif kind == "fifo":
            (folder / "adlb.csv").unlink()
            os.mkfifo(folder / "adlb.csv")

    return mutate


SPECIAL_CASES = [
    ("dir-adsl", ["adsl.csv: is a folder, not a data file"]),
    ("dir-adtte", ["adtte.csv: is a folder, not a data file"]),
    ("dir-study-yml", ["study.yml: is a folder"]),
    ("dangling", ["adtte.csv: is a symbolic link to a missing file"]),
    ("loop", ["adtte.csv: is a symbolic link that loops"]),
    ("fifo", ["adlb.csv: is not a regular file"]),
]


def _check_cli(folder: Path, capsys) -> tuple[int, str]:
    from ruxlib import cli

    code = cli.main(["check", str(folder)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out
    return code, out.err


@pytest.mark.parametrize("case, mutate, expected", PROBLEM_CASES, ids=[c[0] for c in PROBLEM_CASES])
def test_check_refuses_what_the_pages_cannot_use(tmp_path, capsys, case, mutate, expected):
    folder = make_case(tmp_path, mutate)
    before = folder_hash(folder)
    code, err = _check_cli(folder, capsys)
    assert code == 1
    assert any(all(e in line for e in expected) for line in err.splitlines()), err
    assert folder_hash(folder) == before


@pytest.mark.parametrize("case, expected", SPECIAL_CASES, ids=[c[0] for c in SPECIAL_CASES])
def test_check_refuses_non_regular_files_by_name(tmp_path, capsys, case, expected):
    folder = write(tmp_path / "study", {**VALID, "study.yml": "title: T\n"} if case != "dir-study-yml" else VALID)
    _special(case)(folder)
    code, err = _check_cli(folder, capsys)
    assert code == 1
    assert any(all(e in line for e in expected) for line in err.splitlines()), err


@pytest.mark.parametrize("name", ["adtte.csv", "adlb.csv", "adex.csv", "adae.csv", "adicu.csv"])
def test_header_only_optional_file_is_accepted(tmp_path, capsys, name):
    files = dict(VALID)
    files[name] = files[name].splitlines()[0] + "\n"
    code, err = _check_cli(write(tmp_path / "study", files), capsys)
    assert code == 0, err
    load_study(tmp_path / "study")


WARNING_CASES = [
    ("upper-case-name", lambda f: f.update({"ADTTE.CSV": f.pop("adtte.csv")}),
     ["ADTTE.CSV: not read; name the file adtte.csv"]),
    ("double-extension", lambda f: f.update({"adlb.csv.csv": f.pop("adlb.csv")}),
     ["adlb.csv.csv: not read; name the file adlb.csv"]),
    ("subject-without-os", replace("adtte.csv", "S-03,OS,90,1\n", ""),
     ["adtte.csv: 1 ITT subject of adsl.csv has no OS record (S-03)", "leave it out"]),
    ("unknown-yml-key", set_file("study.yml", "title: T\ncolour: blue\n"), ["study.yml: unknown key 'colour' is ignored"]),
    ("short-height", replace("adsl.csv", "S-02,35,F,Y,60,163", "S-02,35,F,Y,60,95"),
     ["adsl.csv row 2: HEIGHTBL outside the usual 100–250 cm", "95"]),
]


@pytest.mark.parametrize("case, mutate, expected", WARNING_CASES, ids=[c[0] for c in WARNING_CASES])
def test_check_warns_by_name_and_accepts(tmp_path, capsys, case, mutate, expected):
    folder = make_case(tmp_path, mutate)
    code, err = _check_cli(folder, capsys)
    assert code == 0, err
    assert any(all(e in line for e in expected) for line in err.splitlines()), err
    assert any(all(e in w for e in expected) for w in load_study(folder).warnings)


def test_padded_ids_are_one_subject(tmp_path):
    files = dict(VALID)
    files["adtte.csv"] = files["adtte.csv"].replace("S-01,OS", '"S-01 ",OS').replace("S-02,OS", "  S-02,OS")
    study = load_study(write(tmp_path / "study", files))
    assert sorted(study.adtte["USUBJID"]) == ["S-01", "S-02", "S-03"]


def test_xpt_delivery_reads_like_csv(tmp_path):
    """SAS transport files with extra columns and float-coded integers validate and load."""
    import pandas as pd
    import pyreadstat

    folder = tmp_path / "xpt"
    folder.mkdir()
    adsl = pd.DataFrame({"USUBJID": ["A-1", "A-2"], "AGE": [63.0, 71.0], "SEX": ["M", "F"],
                         "TRT01P": ["Drug", "Placebo"], "STUDYID": ["X", "X"]})
    adtte = pd.DataFrame({"USUBJID": ["A-1", "A-2"], "PARAMCD": ["OS", "OS"], "AVAL": [12.0, 28.0],
                          "CNSR": [0.0, 1.0], "PARAM": ["Overall survival", "Overall survival"]})
    pyreadstat.write_xport(adsl, str(folder / "adsl.xpt"))
    pyreadstat.write_xport(adtte, str(folder / "adtte.xpt"))
    study = load_study(folder)
    assert study.adsl["AGE"].tolist() == [63.0, 71.0]
    assert study.adtte["CNSR"].tolist() == [0, 1]
    bad = adtte.assign(CNSR=[0.0, 2.0])
    pyreadstat.write_xport(bad, str(folder / "adtte.xpt"))
    _, problems = validate_study(folder)
    assert problems == ["adtte.csv row 2 (USUBJID A-2): CNSR must be one of 0, 1, got 2"]


def test_repeated_problems_are_grouped(tmp_path):
    rows = "".join(f"S-{i:02d},50,X\n" for i in range(1, 31))
    _, problems = validate_study(write(tmp_path / "study", {"adsl.csv": "USUBJID,AGE,SEX\n" + rows}))
    assert problems == ["adsl.csv rows 1, 2, 3, 4, 5, … (30 rows): SEX must be one of F, M (got X)"]


def test_a_repeated_bad_cell_is_reported_on_every_row_in_order(tmp_path):
    """Each distinct cell is parsed once (linear validation); every row holding it is still named."""
    files = dict(VALID)
    files["adsl.csv"] = (files["adsl.csv"].replace("S-01,59,", "S-01,n/a,").replace("S-03,92,", "S-03,n/a,")
                         .replace(",90,175,", ", 90 ,175,"))  # surrounding blanks are stripped, not errors
    folder = write(tmp_path / "study", files)
    _, problems = validate_study(folder)
    ages = [p for p in problems if "AGE" in p]
    assert ages == ["adsl.csv row 1 (USUBJID S-01): AGE 'n/a' is not a number; leave missing values empty",
                    "adsl.csv row 3 (USUBJID S-03): AGE 'n/a' is not a number; leave missing values empty"]
    assert not [p for p in problems if "WEIGHTBL" in p]


def test_ids_unknown_to_adsl_are_reported_with_their_rows(tmp_path):
    files = dict(VALID)
    files["adlb.csv"] += "S-09,CRP,0,99,mg/L\nS-01,CRP,14,20,mg/L\nS-08,CRP,0,50,mg/L\n"
    _, problems = validate_study(write(tmp_path / "study", files))
    assert [p for p in problems if "not in adsl" in p] == [
        "adlb.csv row 4 (USUBJID S-09): USUBJID is not in adsl.csv",
        "adlb.csv row 6 (USUBJID S-08): USUBJID is not in adsl.csv",
    ]


def test_a_snapshot_is_used_only_for_its_own_unchanged_folder(tmp_path, monkeypatch):
    import os
    import shutil

    from conftest import DATA

    from ruxlib import io

    folder = tmp_path / "study"
    shutil.copytree(DATA, folder)
    study = io.load_study(folder)
    snap = io.save_snapshot(study, tmp_path / "snap" / "study.pickle")
    monkeypatch.setenv(io.SNAPSHOT_ENV, str(snap))
    study.meta["title"] = "marked"  # only the saved copy carries the mark, so a hit is visible
    io.save_snapshot(study, snap)
    assert io.load_study(folder).meta["title"] == "marked"
    assert io.load_study(DATA).meta.get("title") != "marked"  # another folder: validated afresh
    adsl = folder / "adsl.csv"
    stat = adsl.stat()
    os.utime(adsl, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the folder changed
    assert io.load_study(folder).meta.get("title") != "marked"
    snap.write_bytes(b"not a pickle")
    assert io.load_study(folder).adsl is not None  # an unreadable snapshot is ignored


def test_fast_csv_reader_gives_the_checking_readers_cells_or_steps_aside():
    import csv
    import io as stdio

    from ruxlib.io import _read_csv_fast

    text = 'USUBJID,AGE,NOTE\n01, 54 ,"a, quoted"\n\n , , \n02,61,"two\nlines"\n'
    rows = [r for r in csv.reader(stdio.StringIO(text)) if "".join(r).strip()]
    fast = _read_csv_fast(text)
    assert fast.columns.tolist() == rows[0]
    assert fast.to_numpy().tolist() == rows[1:]  # blank and whitespace-only rows dropped, cells unstripped
    assert _read_csv_fast("A,B\n1,2\n3\n") is None  # a short row: the checking reader names it
    assert _read_csv_fast("A,B\n1,2,3\n") is None  # a long row
    assert _read_csv_fast("A,A\n1,2\n") is None  # a repeated column name
