"""The command line: one real subprocess; everything else through ``cli.main`` (fast)."""

import subprocess
import sys
from pathlib import Path

from test_io import VALID, write

from ruxlib import cli

REPO = Path(__file__).resolve().parent.parent


def test_python_m_ruxlib_check_runs_as_a_program(tmp_path):
    folder = write(tmp_path / "study", VALID)
    run = subprocess.run([sys.executable, "-m", "ruxlib", "check", str(folder)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "OK, the study folder follows the data contract" in run.stdout


def test_check_ends_with_the_coverage_table(tmp_path, capsys):
    folder = write(tmp_path / "study", {"adsl.csv": VALID["adsl.csv"], "adtte.csv": VALID["adtte.csv"]})
    assert cli.main(["check", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["file", "found", "rows", "subjects", "enables"]
    adtte = next(line for line in lines if line.startswith("adtte "))
    assert adtte.split()[:4] == ["adtte", "adtte.csv", "3", "3"] and "Fig. 1 survival" in adtte
    assert next(line for line in lines if line.startswith("adlb ")).split()[1:4] == ["absent", "–", "–"]


def test_audit_on_the_shipped_data_says_matches_by_construction(capsys):
    assert cli.main(["audit", "--data", str(REPO / "data")]) == 0
    assert "matches by construction" in capsys.readouterr().out
