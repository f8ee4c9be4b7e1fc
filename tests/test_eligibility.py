"""Eligibility criteria as code, on small hand-made study folders."""

import inspect

import pytest
from studyfolder import write_study

from ruxlib import eligibility as el
from ruxlib import registry


def status(study, nct, crit):
    return el.RULES[(nct, crit)](study)["status"].tolist()


# ------------------------------------------------------------ code and records agree

@pytest.mark.parametrize("nct", registry.ORDER)
def test_every_registry_criterion_has_a_rule_whose_docstring_is_its_text(nct):
    record = registry.load_record(nct)
    table = registry.criteria_table(record)
    rules = {r.criterion_id: r for r in el.rules_for(nct)}
    assert set(rules) == set(table["id"])
    for _, row in table.iterrows():
        assert inspect.getdoc(rules[row["id"]].func) == row["text"]
        assert rules[row["id"]].kind == row["kind"]


def test_rules_for_unknown_trial_raises():
    with pytest.raises(KeyError):
        el.rules_for("NCT00000000")


# ------------------------------------------------------------ single criteria

def test_age_criterion_is_decided_by_adsl_age(tmp_path):
    s = write_study(tmp_path, {"USUBJID": ["a", "b"], "AGE": [17, 18], "SEX": ["M", "F"]})
    assert status(s, "NCT04334044", "INC5") == ["not met", "met"]
    assert status(s, "NCT04377620", "INC1") == ["met", "met"]


def test_flag_criteria_cannot_be_decided_without_the_column_and_name_it(tmp_path):
    s = write_study(tmp_path, {"USUBJID": ["a"], "AGE": [50], "SEX": ["M"]})
    res = el.RULES[("NCT04334044", "INC4")](s)
    assert res["status"].tolist() == ["cannot be decided"]
    assert "adsl.CONSFL" in res["evidence"].iloc[0]


def test_flag_criteria_use_the_flag_when_present_and_empty_cells_stay_undecided(tmp_path):
    s = write_study(tmp_path, {"USUBJID": ["a", "b", "c"], "AGE": [50] * 3, "SEX": ["M"] * 3, "CONSFL": ["Y", "N", ""]})
    assert status(s, "NCT04334044", "INC4") == ["met", "not met", "cannot be decided"]


def test_pregnancy_exclusion_is_not_met_for_men_and_undecided_for_women_without_data(tmp_path):
    s = write_study(tmp_path, {"USUBJID": ["m", "f"], "AGE": [50, 50], "SEX": ["M", "F"]})
    assert status(s, "NCT04334044", "EXC1") == ["not met", "cannot be decided"]


def test_pregnancy_exclusion_uses_pregfl_for_women(tmp_path):
    s = write_study(tmp_path, {"USUBJID": ["f1", "f2"], "AGE": [30, 30], "SEX": ["F", "F"], "PREGFL": ["Y", "N"]})
    assert status(s, "NCT04334044", "EXC1") == ["met", "not met"]


def test_thrombocytopenia_without_adlb_cannot_be_decided(tmp_path):
    s = write_study(tmp_path, {"USUBJID": ["a"], "AGE": [50], "SEX": ["M"]})
    res = el.RULES[("NCT04334044", "EXC2")](s)
    assert res["status"].tolist() == ["cannot be decided"]
    assert res["evidence"].iloc[0] == "no adlb.csv"


def test_thrombocytopenia_converts_units_and_refuses_unknown_ones(tmp_path):
    # 20,000 cells/mm3 = 20 x 10^9/L (1 mm3 = 1 µL; 10^9/L = 10^3/µL)
    adsl = {"USUBJID": list("abcde"), "AGE": [50] * 5, "SEX": ["M"] * 5}
    lb = {"USUBJID": list("abcde"), "PARAMCD": ["PLAT"] * 5, "AVISITN": [0] * 5,
          "AVAL": [19, 25, 19000, 25000, 19], "AVALU": ["10^9/L", "", "/mm3", "cells/mm3", "furlongs"]}
    s = write_study(tmp_path, adsl, adlb=lb)
    assert status(s, "NCT04334044", "EXC2") == ["met", "not met", "met", "not met", "cannot be decided"]


def test_neutropenia_needs_a_baseline_record(tmp_path):
    adsl = {"USUBJID": ["a", "b", "c"], "AGE": [50] * 3, "SEX": ["M"] * 3}
    lb = {"USUBJID": ["a", "b", "c"], "PARAMCD": ["NEUT"] * 3, "AVISITN": [0, 0, 7], "AVAL": [0.4, 0.5, 0.1]}
    s = write_study(tmp_path, adsl, adlb=lb)
    # 0.5 is not below 500/mm3; subject c has only a day-7 value
    assert status(s, "NCT04334044", "EXC3") == ["met", "not met", "cannot be decided"]


def test_adlb_without_the_parameter_cannot_decide_and_says_which(tmp_path):
    adsl = {"USUBJID": ["a"], "AGE": [50], "SEX": ["M"]}
    lb = {"USUBJID": ["a"], "PARAMCD": ["CRP"], "AVISITN": [0], "AVAL": [100]}
    s = write_study(tmp_path, adsl, adlb=lb)
    res = el.RULES[("NCT04359290", "INC6")](s)
    assert res["status"].tolist() == ["cannot be decided"]
    assert res["evidence"].iloc[0] == "adlb.csv has no PARAMCD LDH"


def test_ldh_threshold_is_strictly_above_283(tmp_path):
    adsl = {"USUBJID": ["a", "b"], "AGE": [50] * 2, "SEX": ["M"] * 2}
    lb = {"USUBJID": ["a", "b"], "PARAMCD": ["LDH"] * 2, "AVISITN": [0, 0], "AVAL": [283, 284]}
    s = write_study(tmp_path, adsl, adlb=lb)
    assert status(s, "NCT04359290", "INC6") == ["not met", "met"]


def test_pf_ratio_above_200_fails_without_peep_but_low_ratio_needs_peep(tmp_path):
    adsl = {"USUBJID": ["a", "b"], "AGE": [50] * 2, "SEX": ["M"] * 2}
    vs = {"USUBJID": ["a", "b"], "PARAMCD": ["PFRATIO"] * 2, "AVAL": [250, 150], "ABLFL": ["Y", "Y"]}
    s = write_study(tmp_path, adsl, advs=vs)
    assert status(s, "NCT04359290", "INC5") == ["not met", "cannot be decided"]


def test_pf_ratio_and_peep_together_decide(tmp_path):
    adsl = {"USUBJID": ["a", "b"], "AGE": [50] * 2, "SEX": ["M"] * 2}
    vs = {"USUBJID": ["a", "a", "b", "b"], "PARAMCD": ["PFRATIO", "PEEP"] * 2, "AVAL": [200, 5, 150, 4], "ABLFL": ["Y"] * 4}
    s = write_study(tmp_path, adsl, advs=vs)
    assert status(s, "NCT04359290", "INC5") == ["met", "not met"]


def test_ferritin_uses_anrhi_and_otherwise_only_decides_very_high_values(tmp_path):
    adsl = {"USUBJID": list("abcd"), "AGE": [50] * 4, "SEX": ["M"] * 4}
    lb = {"USUBJID": list("abcd"), "PARAMCD": ["FERRITIN"] * 4, "AVISITN": [0] * 4,
          "AVAL": [500, 200, 1500, 500], "ANRHI": [400, 400, "", ""]}
    s = write_study(tmp_path, adsl, adlb=lb)
    assert status(s, "NCT04359290", "INC7") == ["met", "not met", "met", "cannot be decided"]


def test_invasive_ventilation_at_day0_from_adicu(tmp_path):
    adsl = {"USUBJID": ["a", "b", "c"], "AGE": [50] * 3, "SEX": ["M"] * 3}
    icu = {"USUBJID": ["a", "b", "c"], "PARAMCD": ["IMV", "IMV", "ICU"], "ASTDY": [-2, 2, -1], "AENDY": [5, 9, 10]}
    s = write_study(tmp_path, adsl, adicu=icu)
    assert status(s, "NCT04359290", "INC3") == ["met", "not met", "not met"]


def test_invasive_ventilation_without_adicu_uses_ventpred_else_undecided(tmp_path):
    adsl = {"USUBJID": ["a", "b"], "AGE": [50] * 2, "SEX": ["M"] * 2, "VENTPRED": [2, ""]}
    s = write_study(tmp_path, adsl)
    assert status(s, "NCT04359290", "INC2") == ["met", "cannot be decided"]


def test_niv_failure_is_not_decided_by_baseline_respiratory_rate(tmp_path):
    # Baseline RESP on the ventilator says nothing about the rate at NIV failure.
    adsl = {"USUBJID": ["a"], "AGE": [50], "SEX": ["M"]}
    vs = {"USUBJID": ["a", "a"], "PARAMCD": ["RESP", "PFRATIO"], "AVAL": [14, 150], "ABLFL": ["Y", "Y"]}
    s = write_study(tmp_path, adsl, advs=vs)
    assert status(s, "NCT04359290", "INC4") == ["cannot be decided"]


def test_ruxcovid_excludes_ventilated_and_icu_patients(tmp_path):
    adsl = {"USUBJID": ["a", "b"], "AGE": [50] * 2, "SEX": ["M"] * 2}
    icu = {"USUBJID": ["a", "a"], "PARAMCD": ["ICU", "IMV"], "ASTDY": [-3, -2], "AENDY": [10, 8]}
    s = write_study(tmp_path, adsl, adicu=icu)
    assert status(s, "NCT04362137", "EXC1") == ["met", "not met"]
    assert status(s, "NCT04362137", "EXC2") == ["met", "not met"]
    # b is in no ICU episode, but that does not show he was in hospital
    assert status(s, "NCT04362137", "INC1") == ["met", "cannot be decided"]


# ------------------------------------------------------------ verdicts

def test_verdict_combines_criteria_three_ways(tmp_path):
    adsl = {"USUBJID": ["ok", "young", "unknown"], "AGE": [40, 16, 40], "SEX": ["M", "M", "M"],
            "COVCONFL": ["Y", "Y", "Y"], "DYSPNFL": ["Y", "Y", "Y"], "CTPNEUFL": ["Y", "Y", "Y"],
            "CONSFL": ["Y", "Y", ""], "INFECTFL": ["N", "N", "N"]}
    lb = {"USUBJID": ["ok", "ok", "young", "young", "unknown", "unknown"], "PARAMCD": ["PLAT", "NEUT"] * 3,
          "AVISITN": [0] * 6, "AVAL": [150, 3, 150, 3, 150, 3]}
    s = write_study(tmp_path, adsl, adlb=lb)
    v = el.eligibility(s, "NCT04334044")
    assert v["verdict"].tolist() == ["eligible", "not eligible", "cannot be decided"]
    assert v.loc["young", "excluded_by"] == "INC5"
    assert v.loc["unknown", "undecided"] == "INC4"


def test_an_exclusion_met_rules_out_even_when_other_criteria_are_unknown(tmp_path):
    adsl = {"USUBJID": ["a"], "AGE": [50], "SEX": ["F"]}
    lb = {"USUBJID": ["a"], "PARAMCD": ["PLAT"], "AVISITN": [0], "AVAL": [10]}
    s = write_study(tmp_path, adsl, adlb=lb)
    v = el.eligibility(s, "NCT04334044")
    assert v.loc["a", "verdict"] == "not eligible"
    assert v.loc["a", "excluded_by"] == "EXC2"


def test_trial_summary_counts_every_subject_once(tmp_path):
    adsl = {"USUBJID": ["a", "b", "c"], "AGE": [50, 10, 50], "SEX": ["M"] * 3}
    s = write_study(tmp_path, adsl)
    table = el.trial_summary(s, ["NCT04377620", "NCT04334044"])
    assert table.loc["NCT04377620"].tolist() == [0, 1, 2]
    assert table.sum(axis=1).tolist() == [3, 3]


def test_assess_has_one_row_per_subject_and_criterion(tmp_path):
    s = write_study(tmp_path, {"USUBJID": ["a", "b"], "AGE": [50, 60], "SEX": ["M", "F"]})
    long = el.assess(s, "NCT04359290")
    assert len(long) == 2 * 9
    assert set(long["status"]) <= {"met", "not met", "cannot be decided"}
    assert list(long.columns) == ["USUBJID", "criterion", "kind", "text", "status", "evidence", "decided_by"]


def test_paper_thresholds_in_code_are_the_printed_ones():
    # Source: the paper's Methods (Patients), via the ledger rows ctx.elig.* in data/published/claims.csv.
    from ruxlib import claims

    ledger = claims.load_claims().set_index("id")
    t = el.THRESHOLDS["NCT04359290"]
    assert float(ledger.loc["ctx.elig.resp_rate", "reported"]) == t["niv_resp_rate_above"]
    assert float(ledger.loc["ctx.elig.pf_niv", "reported"]) == t["niv_pf_below"]
    assert float(ledger.loc["ctx.elig.pf", "reported"]) == t["pf_max"]
    assert float(ledger.loc["ctx.elig.peep", "reported"]) == t["peep_min"]
    assert float(ledger.loc["ctx.elig.ldh", "reported"]) == t["ldh_above"]


@pytest.mark.parametrize("nct", registry.ORDER)
def test_no_rule_decides_from_data_the_folder_does_not_have(tmp_path, nct):
    # adsl with only the required columns: everything not decided by AGE or SEX stays open
    s = write_study(tmp_path, {"USUBJID": ["f", "m"], "AGE": [40, 40], "SEX": ["F", "M"]})
    for rule in el.rules_for(nct):
        res = rule(s)
        if "AGE" in rule.decided_by or "SEX" in rule.decided_by:
            continue
        assert set(res["status"]) == {"cannot be decided"}, (rule.criterion_id, res)


def test_verdict_patterns_count_subjects_per_combination():
    # five subjects, two criteria: (met, met) x3 eligible, (met, not met) x2 not eligible
    import pandas as pd

    from ruxlib.eligibility import verdict_patterns

    m = pd.DataFrame({"INC1": ["met"] * 5, "INC2": ["met", "not met", "met", "not met", "met"]})
    v = pd.Series(["eligible", "not eligible", "eligible", "not eligible", "eligible"])
    t = verdict_patterns(m, v)
    assert t["subjects"].tolist() == [3, 2]
    assert t.iloc[0][["INC2", "verdict"]].tolist() == ["met", "eligible"]


def test_assess_is_computed_once_per_study_and_trial_until_a_table_is_replaced(monkeypatch):
    from conftest import DATA

    from ruxlib import eligibility as el
    from ruxlib.io import load_study

    study = load_study(DATA)
    calls = []
    real = el._assess
    monkeypatch.setattr(el, "_assess", lambda s, n: calls.append(n) or real(s, n))
    first = el.assess(study, "NCT04359290")
    first.loc[0, "status"] = "changed by the caller"  # callers get a copy
    again = el.assess(study, "NCT04359290")
    el.assess(study, "NCT04334044")
    assert calls == ["NCT04359290", "NCT04334044"] and again.loc[0, "status"] != "changed by the caller"
    study.advs = study.advs.iloc[:0]  # a replaced table: computed afresh
    el.assess(study, "NCT04359290")
    assert calls == ["NCT04359290", "NCT04334044", "NCT04359290"]
