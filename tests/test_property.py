"""The property of issue 15: every folder that ``check`` accepts runs through every page.

Study folders are generated with Hypothesis (:mod:`studygen`): valid ones and single-fault
mutations of valid ones. For each, ``check`` either refuses it, every problem naming the file
and the rule broken (and nothing escapes ``check_study``), or every page's entry point
(:func:`ruxlib.pages.evaluate_all`) runs and returns plain values (numbers, strings or
``None``, never NaN). Either way the folder is byte-identical afterwards. A fast profile runs in
the normal suite, a few hundred examples and a handful of full builds in the slow one.
"""

import math
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from studygen import folders, page_params, snapshot, valid_folders

from ruxlib import io, pages

_NAMES_A_FILE = re.compile(r"^(?:(?:ad[a-z]+\.(?:csv|xpt))|study\.yml)\b|^/.*: not a folder", re.I)

_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


def _plain(value) -> bool:
    return value is None or isinstance(value, str) or (
        isinstance(value, int | float) and not (isinstance(value, float) and not math.isfinite(value)))


def _holds(folder, params) -> None:
    """Check refuses with named problems, or every page runs; the folder is unchanged."""
    with tempfile.TemporaryDirectory() as tmp:
        path = folder.write(Path(tmp) / "study")
        before = snapshot(path)
        note(f"fault: {folder.fault}; files: {sorted(folder.files)}")
        check = io.check_study(path)
        if check.problems:
            note(f"refused: {check.problems[:5]}")
            for problem in check.problems:
                assert _NAMES_A_FILE.match(problem), f"problem does not name a file: {problem}"
        else:
            values = pages.evaluate_all(io.load_study(path), **params)
            assert set(values) == set(pages.PAGES)
            odd = {(label, k): v for label, vals in values.items() for k, v in vals.items() if not _plain(v)}
            assert not odd, odd
        assert snapshot(path) == before, "the study folder changed"


@settings(max_examples=30, **_SETTINGS)
@given(folders(), page_params())
def test_check_refuses_or_every_page_runs(folder, params):
    _holds(folder, params)


@settings(max_examples=15, **_SETTINGS)
@given(valid_folders())
def test_check_accepts_the_valid_folders(folder):
    with tempfile.TemporaryDirectory() as tmp:
        check = io.check_study(folder.write(Path(tmp) / "study"))
    assert check.problems == []


@pytest.mark.slow
@settings(max_examples=300, **_SETTINGS)
@given(folders(), page_params())
def test_check_refuses_or_every_page_runs_many(folder, params):
    _holds(folder, params)


@pytest.mark.slow
@settings(max_examples=4, **_SETTINGS)
@given(valid_folders())
def test_a_generated_folder_builds(folder):
    from ruxlib.build import build

    with tempfile.TemporaryDirectory() as tmp:
        data = folder.write(Path(tmp) / "study")
        before = snapshot(data)
        out = build(data=data, out=Path(tmp) / "html", jobs=2, progress=False)
        assert (out / "results.json").exists()
        assert snapshot(data) == before
