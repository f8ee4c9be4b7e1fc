"""The paper checked against itself (GRIM, GRIMMER, statcheck, exact WMW), on hand-worked values."""

from fractions import Fraction

import pandas as pd
import pytest

from ruxlib import claims, consistency


def test_grim_mean_595_with_16_integer_ages_needs_sum_952():
    # 59.5 * 16 = 952 exactly; 951/16 = 59.4375 and 953/16 = 59.5625 print otherwise
    assert consistency.grim("59.5", 16).sums == (Fraction(952),)


def test_grim_rejects_mean_519_with_28_integers():
    # Brown & Heathers (2017) example: 145/28 = 5.18, 146/28 = 5.21, nothing prints as 5.19
    assert not consistency.grim("5.19", 28).consistent


def test_grim_rejects_two_decimal_mean_between_sixteenths():
    # 1428/16 = 89.25, 1429/16 = 89.3125: 89.26 is impossible for 16 integers
    assert not consistency.grim("89.26", 16).consistent
    assert consistency.grim("89.25", 16).consistent


def test_grim_accepts_either_rounding_at_a_tie():
    # 1/8 = 0.125 prints as 0.12 (half-even) or 0.13 (half-away)
    assert consistency.grim("0.12", 8).consistent
    assert consistency.grim("0.13", 8).consistent


def test_grim_with_tenths_scales_the_grid():
    # two values in tenths: sums are multiples of 0.1; mean 0.05 = 0.1 / 2
    assert consistency.grim("0.05", 2, granularity="0.1").sums == (Fraction(1, 10),)


def test_grimmer_accepts_one_two_three():
    # {1, 2, 3}: mean 2, SD 1
    assert consistency.grimmer("2.00", "1.00", 3)


def test_grimmer_rejects_sd_without_integer_sum_of_squares():
    # n = 3, sum 6: Q = 2 s^2 + 12 must be an integer; s in [0.495, 0.505] gives Q in [12.49, 12.51]
    assert not consistency.grimmer("2.00", "0.50", 3)


def test_grimmer_rejects_wrong_parity():
    # n = 4, sum 4, SD 0.58: the only integer Q is 5, but Q must be even like the sum (x^2 = x mod 2)
    assert not consistency.grimmer("1.00", "0.58", 4)
    # {0, 1, 1, 2}: sum 4, Q = 6, SD = sqrt(2/3) = 0.816
    assert consistency.grimmer("1.00", "0.82", 4)


def test_sd_bounds_for_one_two_three():
    lo, hi = consistency.sd_bounds(2.0, 3, 1.0, 3.0)
    assert lo == pytest.approx(1.0) and hi == pytest.approx(1.0)


def test_mean_bounds_with_median_and_range():
    # n = 5, median 2, range 0-10: smallest {0,0,2,2,10} -> 2.8, largest {0,2,2,10,10} -> 4.8
    assert consistency.mean_bounds(5, 2.0, 0.0, 10.0) == pytest.approx((2.8, 4.8))


def test_exact_wmw_11_vs_3_smallest_p_is_2_over_364():
    t = consistency.exact_wmw_pvalues(3, 11)
    assert t["count"].sum() == 364  # C(14, 3)
    assert t["count"].tolist()[:4] == [1, 1, 2, 3]  # partitions of 0..3 into at most 3 parts <= 11
    p = sorted(t["p_two_sided"].unique())
    assert p[0] == pytest.approx(2 / 364)
    assert p[1] == pytest.approx(4 / 364)


def test_exact_wmw_matches_r_for_2_vs_2():
    # R: wilcox.test(c(1, 2), c(3, 4))$p.value == 1/3 (U = 0, 6 rank sets)
    t = consistency.exact_wmw_pvalues(2, 2)
    assert t.loc[t["u"] == 0, "p_two_sided"].item() == pytest.approx(1 / 3)


def _ledger(rows):
    df = pd.DataFrame(rows, columns=["id", "source", "quantity", "reported", "decimals", "status", "note"])
    return df


def test_pvalue_check_chisq_39_gives_p_005():
    # pchisq(3.85, 1, lower = FALSE) = 0.0497, pchisq(3.95, 1, lower = FALSE) = 0.0469
    led = _ledger([
        ["txt.logrank.chisq", "R", "chi", "3.9", 1, "reproduced", ""],
        ["txt.logrank.df", "R", "df", "1", 0, "reproduced", ""],
        ["txt.logrank.p", "R", "p", "0.05", 2, "reproduced", ""],
    ])
    row = consistency.pvalue_checks(led).iloc[0]
    assert row["consistent"]
    assert "[0.0469, 0.0497]" in row["derived"]


def test_pvalue_check_flags_p_not_matching_statistic():
    led = _ledger([
        ["txt.logrank.chisq", "R", "chi", "3.9", 1, "reproduced", ""],
        ["txt.logrank.df", "R", "df", "1", 0, "reproduced", ""],
        ["txt.logrank.p", "R", "p", "0.01", 2, "reproduced", ""],
    ])
    assert not consistency.pvalue_checks(led).iloc[0]["consistent"]


def test_percentage_checks_use_printed_counts():
    led = _ledger([
        ["t1.title.n", "T1", "N", "16", 0, "reproduced", ""],
        ["t2.x.n", "T2", "x", "3", 0, "reproduced", ""],
        ["t2.x.pct", "T2", "x", "18.75", 2, "reproduced", ""],
        ["t2.y.n", "T2", "y", "2", 0, "reproduced", ""],
        ["t2.y.pct", "T2", "y", "12.6", 1, "reproduced", ""],
        ["txt.adherence.n", "R", "a", "15", 0, "reproduced", ""],
        ["txt.adherence.total", "R", "a", "16", 0, "reproduced", ""],
        ["txt.adherence.pct", "R", "a", "93.8", 1, "reproduced", ""],
    ])
    t = consistency.percentage_checks(led).set_index("subject")["consistent"]
    assert t.to_dict() == {"a": True, "x": True, "y": False}  # 15/16 = 93.75 -> 93.8; 2/16 = 12.5


def test_identity_checks_flag_a_broken_running_sum():
    led = _ledger([
        ["t2.a.n", "T2", "A: N", "2", 0, "reproduced", ""],
        ["t2.a.cum", "T2", "A: cum", "2", 0, "reproduced", ""],
        ["t2.b.n", "T2", "B: N", "1", 0, "reproduced", ""],
        ["t2.b.cum", "T2", "B: cum", "4", 0, "reproduced", ""],
    ])
    t = consistency.identity_checks(led)
    running = t[t["check"] == "Cumulative frequency is a running sum"]
    assert running["consistent"].tolist() == [True, False]


def test_the_paper_passes_its_own_checks_except_the_8_day_interruption():
    t = consistency.check_all(claims.load_claims())
    assert len(t) > 100
    bad = t[~t["consistent"]]
    # 16 missed x 15 mg = 240 mg of at most 830 mg planned: at most 71.1 %, neither >= 80 % nor 72.5 %
    assert bad["ids"].str.startswith("txt.interrupt.ae_days").tolist() == [True], bad.to_string()


def test_dose_check_by_hand():
    led = _ledger([
        ["txt.dose.start_times", "M", "x", "2", 0, "reproduced", ""],
        ["txt.dose.start_mg", "M", "x", "10", 0, "reproduced", ""],
        ["txt.dose.main_times", "M", "x", "2", 0, "reproduced", ""],
        ["txt.dose.main_mg", "M", "x", "15", 0, "reproduced", ""],
        ["txt.dose.main_from", "M", "x", "2", 0, "reproduced", ""],
        ["txt.dose.main_to", "M", "x", "28", 0, "reproduced", ""],
        ["txt.di.below80_value", "R", "x", "72.5", 1, "reproduced", ""],
        ["txt.di.below80_n", "R", "x", "one", 0, "reproduced", ""],
        ["txt.interrupt.ae_days", "R", "ae", "8", 0, "reproduced", ""],
        ["txt.interrupt.tube_days", "R", "tube", "2.5", 1, "reproduced", ""],
    ])
    t = consistency.dose_checks(led).set_index("subject")
    # 830 mg planned; 8 days: (830 - 240) / 830 = 71.08 %; 2.5 days: (830 - 75) / 830 = 90.96 %
    assert t.loc["ae", "derived"] == "at most (830 − 240) / 830 = 71.1 %"
    assert not t.loc["ae", "consistent"]
    assert t.loc["tube", "consistent"]


def test_grim_excludes_a_tie_that_rounds_away_under_both_rules():
    # two integers with mean printed "175": 349/2 = 174.5 prints 175 half-away (174 half-even);
    # 351/2 = 175.5 prints 176 under both rules, so it is not a possible sum
    assert consistency.grim("175", 2).sums == (Fraction(349), Fraction(350))


def test_bmi_range_forces_heaviest_to_be_shortest():
    # 127 / 1.63^2 = 47.80 (prints 47.8); 127 / 1.64^2 = 47.22; 60 / 1.86^2 = 17.34
    led = _ledger([
        ["t1.bmi.min", "T1", "x", "22", 0, "reproduced", ""],
        ["t1.bmi.max", "T1", "x", "47.8", 1, "reproduced", ""],
        ["t1.weight.min", "T1", "x", "60", 0, "reproduced", ""],
        ["t1.weight.max", "T1", "x", "127", 0, "reproduced", ""],
        ["t1.height.min", "T1", "x", "163", 0, "reproduced", ""],
        ["t1.height.max", "T1", "x", "186", 0, "reproduced", ""],
    ])
    row = consistency.bmi_checks(led).iloc[0]
    assert row["consistent"]
    assert row["derived"] == "BMI possible in [17.34, 47.80]"
    assert "heaviest patient is also the shortest" in row["detail"]
    led.loc[led["id"] == "t1.bmi.max", "reported"] = "48.0"
    assert not consistency.bmi_checks(led).iloc[0]["consistent"]
