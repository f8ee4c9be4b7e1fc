"""Page parameters: one declaration, clear refusals before anything runs."""

import ast
import re
from pathlib import Path

import pytest

from ruxlib import cli
from ruxlib.params import PARAMS, RESERVED, ParamError, parse

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("given, message", [
    ({"horizn": "14"}, "-p horizn: no such parameter; did you mean horizon?"),
    ({"horizon": "28:00"}, "-p horizon 28:00: must be a whole number ≥ 1 and ≤ 3650"),  # not YAML's 1680
    ({"horizon": "abc"}, "-p horizon abc: must be a whole number"),
    ({"horizon": "0"}, "-p horizon 0: must be a whole number ≥ 1"),
    ({"horizon": "14.5"}, "-p horizon 14.5: must be a whole number"),
    ({"alpha": "0"}, "-p alpha 0: must be a number > 0 and ≤ 0.5"),
    ({"alpha": "nan"}, "-p alpha nan: must be a finite number"),
    ({"conf_type": "loglog"}, "-p conf_type loglog: must be one of log-log, log, plain"),
    ({"data_dir": "/elsewhere"}, "-p data_dir: set by --data, not by -p"),
])
def test_bad_parameters_are_refused(given, message):
    with pytest.raises(ParamError) as info:
        parse(given)
    assert str(info.value).startswith(message)


def test_good_parameters_are_typed():
    assert parse({"horizon": "14", "alpha": "0.1", "conf_type": "log"}) == {"horizon": 14, "alpha": 0.1, "conf_type": "log"}


def test_build_refuses_a_bad_parameter_before_anything_runs(tmp_path, capsys):
    out = tmp_path / "html"
    code = cli.main(["build", "--out", str(out), "-p", "horizn", "14"])
    err = capsys.readouterr().err
    assert code == 1 and err.strip() == "-p horizn: no such parameter; did you mean horizon? (ruxlib params lists them)"
    assert not out.exists()


def test_params_command_lists_every_parameter(capsys):
    assert cli.main(["params"]) == 0
    out = capsys.readouterr().out
    for name in PARAMS:
        assert name in out


def _parameter_cells():
    for page in sorted((REPO / "book").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        m = re.search(r"```\{code-cell\}[^\n]*\n:tags: \[parameters\]\n(.*?)```", text, re.S)
        if m:
            yield page.name, dict(
                (t.targets[0].id, ast.literal_eval(t.value)) for t in ast.parse(m.group(1)).body
            )


def test_every_page_parameter_is_declared_with_the_same_default():
    seen = set()
    for page, values in _parameter_cells():
        for name, default in values.items():
            if name in RESERVED or name == "registry_dir":
                continue
            assert name in PARAMS, f"{page}: parameter {name} is not declared in ruxlib.params"
            assert default == PARAMS[name].default, f"{page}: {name} = {default!r}, declared {PARAMS[name].default!r}"
            seen.add(name)
    assert seen == set(PARAMS)
