"""Tests for ruxlib.exposure on small hand-made study folders."""

import math

import matplotlib
import pandas as pd
import pytest
from studyfolder import write_study

from ruxlib import exposure

matplotlib.use("Agg")


def bid_rows(usubjid, days, missed=(), reason="", planned=None):
    """Planned BID administrations on study days 0 .. days - 0.5 (10 mg on day 0, 15 mg after)."""
    rows = []
    for k in range(int(2 * days)):
        ady = k / 2
        plan = planned if planned is not None else (10 if ady < 1 else 15)
        miss = ady in missed
        rows.append({"USUBJID": usubjid, "ADY": ady, "EXDOSE": 0 if miss else plan,
                     "EXPLDOS": plan, "EXADJ": reason if miss else ""})
    return rows


def test_five_missed_bid_administrations_are_an_interruption_of_2_5_days():
    adex = pd.DataFrame(bid_rows("A", 8, missed=(3, 3.5, 4, 4.5, 5), reason="NO GASTRIC TUBE"))
    ints = exposure.interruptions(adex)
    assert len(ints) == 1
    row = ints.iloc[0]
    assert (row["start"], row["resume"], row["missed"]) == (3.0, 5.5, 5)
    assert row["days"] == pytest.approx(2.5)
    assert row["reason"] == "NO GASTRIC TUBE"


def test_missed_doses_at_the_end_are_not_an_interruption():
    adex = pd.DataFrame(bid_rows("A", 4, missed=(3, 3.5)))
    assert exposure.interruptions(adex).empty


def test_interruptions_of_an_absent_or_unsorted_adex():
    assert list(exposure.interruptions(None).columns) == ["USUBJID", "start", "resume", "missed", "days", "reason"]
    adex = pd.DataFrame(bid_rows("A", 3, missed=(1,))).iloc[::-1]
    ints = exposure.interruptions(adex)
    assert list(ints["days"]) == [0.5]


def test_dose_intensity_145_of_200_mg_is_72_5_percent_and_not_adherent(tmp_path):
    # planned 2 x 10 mg on day 0 + 12 x 15 mg on days 1..6.5 = 200 mg;
    # missed 10 mg at ADY 0.5 and 3 x 15 mg at ADY 2, 2.5, 3 -> given 145 mg
    adex = bid_rows("A", 7, missed=(0.5, 2, 2.5, 3), reason="ADVERSE EVENT")
    # B: 4 x 25 mg planned, 4 x 20 mg given = 80 % exactly, adherent (>= 80)
    adex += [{"USUBJID": "B", "ADY": k / 2, "EXDOSE": 20, "EXPLDOS": 25, "EXADJ": "reduced"} for k in range(4)]
    adsl = [
        {"USUBJID": "A", "AGE": 50, "SEX": "M", "TRTDURD": 7},
        {"USUBJID": "B", "AGE": 60, "SEX": "F", "TRTDURD": 2},
        {"USUBJID": "C", "AGE": 70, "SEX": "F", "TRTDURD": 1},
    ]
    study = write_study(tmp_path / "s", adsl=adsl, adex=adex)
    ex = exposure.exposure_summary(study).set_index("USUBJID")
    a = ex.loc["A"]
    assert a["duration"] == 7
    assert a["cum_dose"] == 145 and a["planned_dose"] == 200
    assert a["dose_intensity"] == pytest.approx(72.5)
    assert not a["adherent"]
    # interruptions: 0.5 -> resumed 1 (0.5 day) and 2, 2.5, 3 -> resumed 3.5 (1.5 days)
    assert a["n_interruptions"] == 2 and a["interruption_days"] == pytest.approx(2.0)
    assert a["interruption_reason"] == "ADVERSE EVENT"
    b = ex.loc["B"]
    assert b["dose_intensity"] == pytest.approx(80.0) and bool(b["adherent"])
    assert b["n_interruptions"] == 0 and b["interruption_days"] == 0
    c = ex.loc["C"]  # no adex rows: dose unknown, not zero
    assert math.isnan(c["cum_dose"]) and pd.isna(c["adherent"]) and pd.isna(c["n_interruptions"])


def test_exposure_summary_without_adex(tmp_path):
    study = write_study(tmp_path / "s", adsl=[{"USUBJID": "A", "AGE": 50, "SEX": "M", "TRTDURD": 4}])
    ex = exposure.exposure_summary(study)
    assert ex.loc[0, "duration"] == 4
    assert math.isnan(ex.loc[0, "dose_intensity"]) and pd.isna(ex.loc[0, "adherent"])


ADSL_FLOW = [
    {"USUBJID": "1", "AGE": 50, "SEX": "M", "EOTREAS": "COMPLETED"},
    {"USUBJID": "2", "AGE": 50, "SEX": "M", "EOTREAS": "DEATH"},
    {"USUBJID": "3", "AGE": 50, "SEX": "M", "EOTREAS": "DISCHARGED FROM ICU"},
    {"USUBJID": "4", "AGE": 50, "SEX": "M", "EOTREAS": "DEATH"},
    {"USUBJID": "5", "AGE": 50, "SEX": "M", "EOTREAS": "WITHDRAWN"},
    {"USUBJID": "6", "AGE": 50, "SEX": "M", "EOTREAS": ""},
    {"USUBJID": "7", "AGE": 50, "SEX": "M", "ITTFL": "N", "EOTREAS": "DEATH"},
]


def test_flow_counts_screened_from_study_yml_and_reasons_in_paper_order(tmp_path):
    study = write_study(tmp_path / "s", meta="screened: 9\n", adsl=ADSL_FLOW)
    c = exposure.flow_counts(study)
    assert (c["screened"], c["not_eligible"], c["eligible"], c["treated"]) == (9, 3, 6, 6)
    assert list(c["eot"].items()) == [("DISCHARGED FROM ICU", 1), ("DEATH", 2), ("WITHDRAWN", 1)]
    assert (c["ended_early"], c["completed"], c["eot_missing"]) == (4, 1, 1)


def test_flow_counts_without_screened_number(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL_FLOW)
    c = exposure.flow_counts(study)
    assert c["screened"] is None and c["not_eligible"] is None


def test_flow_figure_shows_every_count(tmp_path):
    study = write_study(tmp_path / "s", meta="screened: 9\n", adsl=ADSL_FLOW)
    fig = exposure.flow_figure(study)
    text = "\n".join(t.get_text() for t in fig.axes[0].texts)
    for expected in ("Screened\nn = 9", "Not eligible\nn = 3", "n = 6", "death: 2", "Completed treatment\nn = 1"):
        assert expected in text


def test_flow_figure_without_screened_says_so(tmp_path):
    study = write_study(tmp_path / "s", adsl=ADSL_FLOW)
    text = "\n".join(t.get_text() for t in exposure.flow_figure(study).axes[0].texts)
    assert "number screened not given" in text


def test_dosing_schedule_reads_the_protocol_from_expldos():
    sched = exposure.dosing_schedule(pd.DataFrame(bid_rows("A", 28)))
    assert sched == {"start_times": 2, "start_mg": 10.0, "main_times": 2, "main_mg": 15.0,
                     "main_from": 2.0, "last_day": 28.0}


def test_page_values_interruption_days_by_reason(tmp_path):
    adex = bid_rows("A", 10, missed=(3, 3.5, 4, 4.5, 5), reason="NO GASTRIC TUBE")
    adex += bid_rows("B", 12, missed=tuple(k / 2 for k in range(4, 20)), reason="ADVERSE EVENT")
    adsl = [{"USUBJID": "A", "AGE": 50, "SEX": "M", "TRTDURD": 10},
            {"USUBJID": "B", "AGE": 50, "SEX": "M", "TRTDURD": 12}]
    v = exposure.page_values(write_study(tmp_path / "s", adsl=adsl, adex=adex))
    assert v["exposure-n-int"] == 2
    assert v["interrupt.tube_days"] == pytest.approx(2.5)
    assert v["interrupt.ae_days"] == pytest.approx(8.0)  # missed 2 .. 9.5, resumed 10
    assert v["exposure-dur-median"] == pytest.approx(11.0)
    without = exposure.page_values(write_study(tmp_path / "n", adsl=adsl))
    assert without["exposure-di-median"] is None and without["exposure-full-dose"] is None


# Subject A: seven administrations planned at 10 mg (ADY 0 .. 3); doses 10, 0, 0, 10, 15, 10, 0.
# Hand counts: given 45 mg of 70 planned; ADY 0.5 and 1 are an interruption (a dose follows), the
# last row is the end of treatment; the dose at ADY 2 (15 mg) is above the plan.
ADEX_A = [{"USUBJID": "A", "ADY": k / 2, "EXDOSE": d, "EXPLDOS": 10}
          for k, d in enumerate([10, 0, 0, 10, 15, 10, 0])]


def test_interrupted_rows_mark_only_the_run_before_a_dose():
    assert exposure.interrupted_rows(pd.DataFrame(ADEX_A)).tolist() == [False, True, True, False, False, False, False]


def test_dose_intensity_excluding_interrupted_days_by_hand(tmp_path):
    study = write_study(tmp_path / "s", adsl=[{"USUBJID": "A", "AGE": 50, "SEX": "M"}], adex=ADEX_A)
    row = exposure.dose_intensity_excluding_interruptions(study).iloc[0]
    assert row["dose_intensity"] == pytest.approx(100 * 45 / 70)  # 64.29 %
    assert row["dose_intensity_excl"] == pytest.approx(100 * 45 / 50)  # the 20 interrupted mg leave the denominator
    assert row["interrupted_mg"] == 20
    above = exposure.above_protocol(study.adex)
    assert above[["ADY", "EXDOSE", "EXPLDOS"]].values.tolist() == [[2.0, 15.0, 10.0]]
    assert exposure.dose_intensity_excluding_interruptions(write_study(tmp_path / "n", adsl=[
        {"USUBJID": "A", "AGE": 50, "SEX": "M"}])).empty


def test_on_protocol_attainable_by_hand():
    rows = pd.DataFrame(ADEX_A)
    # four given rows, each 5..10 mg on plan: totals 20, 25, ..., 40 mg
    std = exposure.on_protocol_attainable(rows, 64.3)
    assert std["max"] == pytest.approx(100 * 40 / 70) and std["needed"] is True  # 57.1 % < 64.3 %
    assert exposure.on_protocol_attainable(rows, 50.0)["attainable"] is True  # 35 / 70
    assert exposure.on_protocol_attainable(rows, 50.1)["attainable"] is False  # 35.07 mg is not a 5 mg step
    excl = exposure.on_protocol_attainable(rows, 60.0, exclude_interruptions=True)
    assert excl["max"] == pytest.approx(80.0) and excl["needed"] is False and excl["attainable"] is True  # 30 / 50
    assert exposure.on_protocol_attainable(rows, 90.0, exclude_interruptions=True)["needed"] is True
    assert exposure.on_protocol_attainable(rows, 61.0, exclude_interruptions=True)["closest"] == pytest.approx(60.0)


def test_page_values_name_the_doses_above_the_plan_and_the_lowest_patient(tmp_path):
    adsl = [{"USUBJID": u, "AGE": 50, "SEX": "M"} for u in ("A", "B")]
    adex = ADEX_A + [{"USUBJID": "B", "ADY": k / 2, "EXDOSE": 10, "EXPLDOS": 10} for k in range(4)]
    v = exposure.page_values(write_study(tmp_path / "s", adsl=adsl, adex=adex))
    assert (v["exposure-above-n"], v["exposure-above-subjects"], v["exposure-above-mg"]) == (1, 1, "15")
    assert v["exposure-low-subject"] == "A" and v["exposure-low-target"] == pytest.approx(64.3)
    assert v["exposure-low-verdict-std"] == "a dose above the plan is needed"
    # excluding the interrupted 20 mg, on-plan doses reach 40 / 50 = 80 % >= 64.3 %
    assert v["exposure-low-verdict-excl"] == "no dose above the plan is needed"
    assert v["exposure-low-max-excl"] == pytest.approx(80.0) and v["exposure-low-max-std"] == pytest.approx(100 * 40 / 70)
    assert v["exposure-excl-max"] == pytest.approx(100.0) and v["exposure-excl-min"] == pytest.approx(90.0)


def test_dose_listing_switches_to_a_summary_above_the_limit(tmp_path):
    adsl = [{"USUBJID": u, "AGE": 50, "SEX": "M"} for u in ("A", "B")]
    adex = ADEX_A + [{"USUBJID": "B", "ADY": k / 2, "EXDOSE": 5, "EXPLDOS": 10} for k in range(4)]
    study = write_study(tmp_path / "s", adsl=adsl, adex=adex)
    listing = exposure.dose_listing(study)
    assert listing.attrs["summary"] is False
    assert listing.set_index("USUBJID").loc["A", ["n_missed", "n_reduced", "n_above"]].tolist() == [3, 0, 1]
    assert listing.set_index("USUBJID").loc["B", ["n_reduced", "cum_dose"]].tolist() == [4, 20]
    summary = exposure.dose_listing(study, max_subjects=1)
    assert summary.attrs["summary"] is True and list(summary["statistic"]) == ["median", "min", "max"]
    assert summary.set_index("statistic").loc["max", "cum_dose"] == 45


def _interruptions_by_loop(adex):
    """The definition, written as a plain loop over each subject's rows (the reference)."""
    rows = []
    for usubjid, ex in adex.sort_values(["USUBJID", "ADY"]).groupby("USUBJID", sort=True):
        ady, given = ex["ADY"].astype(float).to_numpy(), ex["EXDOSE"].astype(float).to_numpy() > 0
        reasons = ex["EXADJ"].tolist()
        i = 0
        while i < len(ex):
            if given[i]:
                i += 1
                continue
            j = i
            while j < len(ex) and not given[j]:
                j += 1
            if j < len(ex):
                why = [str(r) for r in reasons[i:j] if isinstance(r, str) and r.strip()]
                rows.append((usubjid, ady[i], ady[j], j - i, ady[j] - ady[i], "; ".join(dict.fromkeys(why))))
            i = j
    return rows


def test_vectorised_interruptions_equal_the_loop_on_random_schedules():
    import numpy as np

    rng = np.random.default_rng(0)
    for trial in range(200):
        n = int(rng.integers(1, 40))
        ex = pd.DataFrame({"USUBJID": rng.choice(list("ABCD"), n), "ADY": rng.choice(np.arange(0, 10, 0.5), n),
                           "EXDOSE": rng.choice([0, 0, 5, 10], n), "EXADJ": rng.choice([None, "", "AE", "lab", " "], n)})
        ex = ex.drop_duplicates(["USUBJID", "ADY"]).sample(frac=1, random_state=trial)
        expected = _interruptions_by_loop(ex)
        got = exposure.interruptions(ex)
        assert [tuple(r) for r in got.itertuples(index=False)] == expected
        inside = exposure.interrupted_rows(ex)
        assert inside.index.equals(ex.index)
        assert int(inside.sum()) == sum(r[3] for r in expected)
