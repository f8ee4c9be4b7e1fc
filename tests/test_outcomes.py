"""The registered outcome measures of NCT04334044 on small hand-made study folders."""

import pytest
from studyfolder import write_study

from ruxlib import outcomes, registry

ADSL4 = {"USUBJID": ["a", "b", "c", "d"], "AGE": [50] * 4, "SEX": ["M"] * 4,
         "EOTREAS": ["DEATH", "COMPLETED", "DISCHARGED FROM ICU", "TRANSFERRED"]}
ADTTE4 = {"USUBJID": ["a", "b", "c", "d"], "PARAMCD": ["OS"] * 4, "AVAL": [10, 90, 90, 90], "CNSR": [0, 1, 1, 1]}
ADICU4 = {"USUBJID": ["a", "a", "b", "b", "c", "c", "d", "d"],
          "PARAMCD": ["ICU", "IMV"] * 4,
          "ASTDY": [-2, -2, -3, -3, -1, -1, -2, -2],
          "AENDY": [10, 10, 28, 20, 9, 7, 6, 6]}


def test_all_outcomes_follow_the_registry_order():
    record = registry.load_record("NCT04334044")
    assert [o["id"] for o in record["outcomes"]] == [
        "recovery_pneumonia", "crp_response", "ferritin_response", "ddimer_response",
        "icu_admission_rate", "mechanical_ventilation_rate", "overall_survival", "toxicity_rate",
    ]


def test_only_adsl_makes_every_outcome_not_available_with_a_reason(tmp_path):
    s = write_study(tmp_path, {"USUBJID": ["a"], "AGE": [50], "SEX": ["F"]})
    res = outcomes.all_outcomes(s)
    record = registry.load_record("NCT04334044")
    assert [r.id for r in res] == [o["id"] for o in record["outcomes"]]
    assert not any(r.available for r in res)
    assert all(r.missing and r.result.startswith("not available in this study folder") for r in res)
    table = outcomes.outcome_table(res)
    assert table["n"].isna().all()


def test_recovery_proxy_counts_dead_as_not_recovered_and_transferred_as_unknown(tmp_path):
    s = write_study(tmp_path, ADSL4, adtte=ADTTE4, adicu=ADICU4)
    r = outcomes.recovery_of_pneumonia(s, day=14)
    # a dead day 10; b still in ICU at 14; c out of ICU at 9 -> recovered; d transferred at 6 -> unknown
    assert r.detail["status"].tolist() == ["dead", "not recovered", "recovered", "unknown (transferred)"]
    assert (r.events, r.n) == (1, 3)
    assert r.proxy


def test_recovery_without_adicu_names_the_file(tmp_path):
    s = write_study(tmp_path, ADSL4, adtte=ADTTE4)
    r = outcomes.recovery_of_pneumonia(s)
    assert not r.available and r.missing.startswith("no adicu.csv")


def test_marker_response_counts_decreases_and_median_change(tmp_path):
    lb = {"USUBJID": ["a", "a", "b", "b", "c"], "PARAMCD": ["CRP"] * 5,
          "AVISITN": [0, 14, 0, 14, 0], "AVAL": [100, 40, 50, 70, 80]}
    s = write_study(tmp_path, ADSL4, adlb=lb)
    r = outcomes.crp_response(s, day=14)
    # changes: a -60, b +20; c has no day-14 value; d nothing
    assert (r.events, r.n) == (1, 2)
    assert r.value == pytest.approx(-20.0)  # median of -60 and +20
    assert r.detail.loc["c", "change"] != r.detail.loc["c", "change"]  # NaN


def test_marker_response_without_the_visit_lists_the_visits_there_are(tmp_path):
    lb = {"USUBJID": ["a", "a"], "PARAMCD": ["FERRITIN"] * 2, "AVISITN": [0, 7], "AVAL": [900, 800]}
    s = write_study(tmp_path, ADSL4, adlb=lb)
    r = outcomes.ferritin_response(s, day=14)
    assert not r.available
    assert r.missing == "adlb.csv has no FERRITIN at AVISITN 14 (visits: 0, 7)"


def test_ddimer_absent_parameter_is_reported(tmp_path):
    lb = {"USUBJID": ["a"], "PARAMCD": ["CRP"], "AVISITN": [0], "AVAL": [100]}
    s = write_study(tmp_path, ADSL4, adlb=lb)
    assert outcomes.ddimer_response(s).missing == "adlb.csv has no PARAMCD DDIMER"


def test_icu_rate_counts_episodes_overlapping_the_window_and_new_admissions(tmp_path):
    icu = {"USUBJID": ["a", "b", "c"], "PARAMCD": ["ICU"] * 3, "ASTDY": [-2, 5, 20], "AENDY": [4, 9, 25]}
    s = write_study(tmp_path, ADSL4, adicu=icu)
    r = outcomes.icu_admission_rate(s, day=14)
    assert (r.events, r.n) == (2, 4)
    # Clopper-Pearson 2/4: R binom.test(2, 4)$conf.int = 0.06758599 0.93241401
    assert (r.ci.lower, r.ci.upper) == pytest.approx((0.06758599, 0.93241401), abs=1e-7)
    assert r.detail["new_after_day0"].tolist() == [False, True, False, False]
    assert "new after day 0: 1/3" in r.result


def test_ventilation_rate_when_everyone_is_ventilated_at_day0(tmp_path):
    s = write_study(tmp_path, ADSL4, adicu=ADICU4)
    r = outcomes.mechanical_ventilation_rate(s, day=14)
    assert (r.events, r.n) == (4, 4)
    assert "not applicable" in r.result


def test_overall_survival_at_one_month_uses_kaplan_meier(tmp_path):
    s = write_study(tmp_path, ADSL4, adtte=ADTTE4)
    r = outcomes.overall_survival(s, horizon=30)
    # one death among 4 at day 10, nobody censored before: S = 3/4
    assert r.value == pytest.approx(0.75)
    assert r.events == 3 and r.n == 4


def test_overall_survival_excludes_non_itt_subjects(tmp_path):
    adsl = dict(ADSL4, ITTFL=["Y", "Y", "Y", "N"])
    tte = dict(ADTTE4, CNSR=[0, 1, 1, 0], AVAL=[10, 90, 90, 5])
    s = write_study(tmp_path, adsl, adtte=tte)
    r = outcomes.overall_survival(s)
    assert r.n == 3 and r.value == pytest.approx(2 / 3)


def test_toxicity_needs_causality(tmp_path):
    ae = {"USUBJID": ["a"], "AEDECOD": ["Anaemia"], "ATOXGR": [3]}
    s = write_study(tmp_path, ADSL4, adae=ae)
    r = outcomes.toxicity_rate(s)
    assert not r.available
    assert "AEREL" in r.missing


def test_toxicity_counts_related_events_within_one_month(tmp_path):
    ae = {"USUBJID": ["a", "b", "b", "c"], "AEDECOD": ["Anaemia", "Sepsis", "Anaemia", "Rash"],
          "ATOXGR": [3, 3, 2, 1], "AEREL": ["RELATED", "NOT RELATED", "possible", "Y"], "ASTDY": [3, 4, 45, ""]}
    s = write_study(tmp_path, ADSL4, adae=ae)
    r = outcomes.toxicity_rate(s, horizon=30)
    # a related day 3; b related only on day 45 (outside); c related, onset unknown (counted, reported)
    assert r.detail["related_ae"].tolist() == [True, False, True, False]
    assert (r.events, r.n) == (2, 4)
    assert "1 related event(s) without onset day counted" in r.result


# One transfer rule (issue 12): T1 leaves the ICU alive on day 8; T2 is transferred from the
# ICU on day 6 and dies in another hospital on day 10; T3 is transferred on day 20 (after day 14);
# T4 dies in the ICU on day 4.
TR_ADSL = {"USUBJID": ["T1", "T2", "T3", "T4"], "AGE": [50] * 4, "SEX": ["M"] * 4,
           "EOTREAS": ["DISCHARGED FROM ICU", "TRANSFERRED", "TRANSFERRED", "DEATH"]}
TR_ADTTE = {"USUBJID": ["T1", "T2", "T3", "T4"], "PARAMCD": ["OS"] * 4, "AVAL": [90, 10, 90, 4],
            "CNSR": [1, 0, 1, 0]}
TR_ADICU = {"USUBJID": ["T1", "T2", "T3", "T4"], "PARAMCD": ["ICU"] * 4,
            "ASTDY": [-1, -1, -1, -1], "AENDY": [8, 6, 20, 4]}


@pytest.mark.parametrize("day, transferred", [(14, 1), (28, 2), (5, 0)])
def test_icu_and_outcomes_pages_count_the_same_transfers(tmp_path, day, transferred):
    from ruxlib import icu

    s = write_study(tmp_path, TR_ADSL, adtte=TR_ADTTE, adicu=TR_ADICU)
    icu_values = icu.page_values(s, horizon=day)
    out_values = outcomes.page_values(s, day=day)
    assert icu_values["icu-course-icu-transferred-by"] == transferred
    assert out_values["registry-outcomes-transferred"] == transferred
    status = outcomes.recovery_of_pneumonia(s, day=day).detail["status"]
    assert int(status.eq("unknown (transferred)").sum()) == transferred


def test_a_death_after_transfer_is_censored_at_transfer_on_both_pages(tmp_path):
    from ruxlib import icu

    s = write_study(tmp_path, TR_ADSL, adtte=TR_ADTTE, adicu=TR_ADICU)
    assert icu.exit_events(s, "ICU").loc["T2"].tolist() == [6, 0]
    status = outcomes.recovery_of_pneumonia(s, day=14).detail["status"]
    # T2 died on day 10 in another hospital; the rule censors at transfer: unknown, not dead
    assert status.tolist() == ["recovered", "unknown (transferred)", "not recovered", "dead"]
