"""Arms and endpoints on a three-arm .xpt trial: per-arm Kaplan-Meier and k-sample log-rank
against lifelines, by-arm tables, AESEV, and the single-arm case unchanged."""

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from multiarm import ARMS, make_multiarm_trial

from ruxlib import ae, arms, baseline, biomarkers, exposure, io, pages, survival


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    return io.load_study(make_multiarm_trial(tmp_path_factory.mktemp("multiarm")))


@pytest.fixture(scope="module")
def shipped():
    from conftest import DATA

    return io.load_study(DATA)


def test_the_trial_reads_as_delivered(trial):
    assert trial.n >= 300 and "OS" not in set(trial.adtte["PARAMCD"])
    assert "ATOXGR" not in trial.adae and "AESEV" in trial.adae
    assert sorted(arms.arm_of(trial).unique()) == sorted(ARMS)
    assert sorted(arms.arm_of(trial, "ARM").unique()) == sorted(ARMS)


def test_km_per_arm_agrees_with_lifelines(trial):
    adtte = survival.itt_adtte(trial)
    curves = survival.km_by_group(adtte, arms.arm_of(trial), "TTDE")
    rows = adtte.assign(ARM=adtte["USUBJID"].map(arms.arm_of(trial)))
    for label, km in curves.items():
        sub = rows[rows["ARM"].eq(label)]
        fit = KaplanMeierFitter().fit(sub["AVAL"], 1 - sub["CNSR"].astype(int))
        expected = fit.survival_function_at_times(km["time"]).to_numpy()
        np.testing.assert_allclose(km["surv"], expected, rtol=1e-10)
        ci = fit.confidence_interval_survival_function_.reindex(km["time"])
        np.testing.assert_allclose(km["lower"], ci.iloc[:, 0], rtol=1e-8)
        np.testing.assert_allclose(km["upper"], ci.iloc[:, 1], rtol=1e-8)


def test_three_arm_logrank_agrees_with_lifelines(trial):
    adtte = survival.itt_adtte(trial)
    groups = arms.arm_of(trial)
    test = survival.logrank(adtte, groups, "TTDE")
    ref = multivariate_logrank_test(adtte["AVAL"], adtte["USUBJID"].map(groups), 1 - adtte["CNSR"].astype(int))
    assert test.df == ref.degrees_of_freedom == len(ARMS) - 1
    assert test.statistic == pytest.approx(ref.test_statistic, rel=1e-10)
    assert test.pvalue == pytest.approx(ref.p_value, rel=1e-8)


def test_survival_page_takes_the_endpoint_label_and_tests_across_arms(trial):
    values = pages.evaluate("km-survival", trial, endpoint="TTDE", horizon=14)
    assert values["km-survival-endpoint"] == "Time to clinical deterioration"
    assert values["km-survival-horizon"] == 14 and values["km-survival-n"] == trial.n
    assert values["km-survival-arms"] == 3 and values["km-survival-lr-df"] == 2
    assert values["km-survival-lr-p"] < 0.05  # the arms' hazards differ by design
    absent = pages.evaluate("km-survival", trial)  # default OS: not in this trial
    assert absent["km-survival-n"] is None and absent["km-survival-endpoint"] == "OS"


def test_event_status_equals_the_os_status_of_adsl(shipped):
    from ruxlib.derive import itt_population

    assert survival.event_status(survival.itt_adtte(shipped), "OS", 20) == survival.status_at(
        itt_population(shipped.adsl), 20)


def test_by_arm_tables_have_one_column_per_arm_and_a_total(trial):
    tables = [baseline.table1_by_arm(trial), ae.ae_by_arm(trial), exposure.exposure_by_arm(trial),
              biomarkers.medians_by_arm(trial)]
    for table in tables:
        assert len(table.columns) == len(ARMS) + 1 and table.columns[-1] == f"{arms.TOTAL} (N = {trial.n})"
        assert not table.isna().any().any()
    sex = tables[0].loc[("Demographics", "Sex, female/male (pts./%)")]
    assert sum(int(c.split("/")[0]) for c in sex.iloc[:-1]) == int(sex.iloc[-1].split("/")[0])


def test_ae_counts_severe_as_grade_three_and_says_so(trial):
    values = pages.evaluate("adverse-events", trial)
    severe = trial.adae[trial.adae["AESEV"].eq("SEVERE")]
    assert values["adverse-events-n-patients"] == severe["USUBJID"].nunique()
    assert "AESEV" in values["adverse-events-grade-source"]
    assert "SEVERE" in values["adverse-events-grade-source"]


def test_a_single_arm_study_shows_no_arms(shipped):
    assert arms.arm_of(shipped) is None and arms.split(shipped) == {}
    assert baseline.table1_by_arm(shipped) is None and ae.ae_by_arm(shipped) is None
    values = pages.evaluate("km-survival", shipped)
    assert values["km-survival-arms"] is None and values["km-survival-lr-p"] is None
    assert pages.evaluate("adverse-events", shipped)["adverse-events-grade-source"] == "the CTCAE grade ATOXGR"


def test_one_arm_value_is_a_single_arm(shipped):
    import dataclasses

    one = dataclasses.replace(shipped, adsl=shipped.adsl.assign(TRT01P="Drug"))
    assert arms.arm_of(one) is None


def test_adae_needs_atoxgr_or_aesev(tmp_path):
    from studyfolder import write_folder

    folder = write_folder(tmp_path / "s", adsl=[{"USUBJID": "1", "AGE": 50, "SEX": "F"}],
                         adae=[{"USUBJID": "1", "AEDECOD": "Nausea"}])
    problems = io.check_study(folder).problems
    assert any("adae.csv: needs a column ATOXGR or AESEV" in p for p in problems), problems


def test_aesev_values_are_checked(tmp_path):
    from studyfolder import write_folder

    folder = write_folder(tmp_path / "s", adsl=[{"USUBJID": "1", "AGE": 50, "SEX": "F"}],
                         adae=[{"USUBJID": "1", "AEDECOD": "Nausea", "AESEV": "HIGH"}])
    assert any("AESEV must be one of MILD, MODERATE, SEVERE" in p for p in io.check_study(folder).problems)


def test_arm_and_endpoint_are_parameters():
    from ruxlib.params import PARAMS, ParamError, parse

    assert PARAMS["arm"].default == "TRT01P" and PARAMS["endpoint"].default == "OS"
    assert parse({"endpoint": "TTDE", "arm": "ARM"}) == {"endpoint": "TTDE", "arm": "ARM"}
    with pytest.raises(ParamError):
        parse({"arm": "COUNTRY"})


def test_the_arm_columns_are_in_the_contract():
    from ruxlib.schema import SPECS

    names = {c.name for c in SPECS["adsl.csv"].columns}
    assert set(arms.ARM_COLUMNS) <= names


@pytest.mark.slow
def test_the_three_arm_trial_builds_the_whole_book(tmp_path):
    from textscan import files_containing, missing_words

    from ruxlib.build import build

    data = make_multiarm_trial(tmp_path / "multiarm")
    out = build(data=data, out=tmp_path / "html", params={"endpoint": "TTDE", "arm": "TRT01P"}, jobs=2,
                progress=False)
    assert missing_words(out) == {}
    assert files_containing(out, "<h2>Compare with the publication") == []
    import re

    survival_html = (out / "book" / "survival.html").read_text(encoding="utf-8")
    survival_text = " ".join(re.sub(r"<[^>]+>", " ", survival_html).split())  # glossary links split phrases
    assert "Time to clinical deterioration" in survival_text and "log-rank test across them" in survival_text
    assert "SEVERE" in (out / "book" / "adverse-events.html").read_text(encoding="utf-8")
