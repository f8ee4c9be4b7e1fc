"""Tests for ruxlib.survival: golden values from R survival and hand-worked examples.

Golden values for the ``aml`` data (R package survival, Miller 1997) come from
R 4.5.1 / survival 3.8.3 output printed to 12 significant digits:

    survfit(Surv(time, status) ~ 1, data = aml)                         # conf.type "log"
    survfit(Surv(time, status) ~ 1, data = aml, conf.type = "plain")
    survfit(Surv(time, status) ~ 1, data = aml, conf.type = "log-log")
    survdiff(Surv(time, status) ~ x, data = aml)

as published in the docstring of a public repository's R-validation test file
(found with code search; it lists the R script and its output). The 4-digit
``summary(survfit(Surv(time, status) ~ 1, data = aml))`` printout reproduced in
many R tutorials (e.g. the R survival chapter of "Modelos Lineales
Generalizados" course notes; rstudio-pubs 610133) agrees with those values:
time 5: survival 0.9130, lower 0.8049, upper 1.000; time 48: 0.0828, 0.0148,
0.462; and ``survdiff`` prints "Chisq= 3.4 on 1 degrees of freedom, p= 0.07"
with expected 10.69 / 7.31. Tolerance 1e-4 throughout.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ruxlib import derive, figures, survival  # noqa: E402

TOL = 1e-4

# survival::aml (status 1 = relapse); 11 Maintained then 12 Nonmaintained.
AML_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_STATUS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
AML_X = ["Maintained"] * 11 + ["Nonmaintained"] * 12

# R 4.5.1, survival 3.8.3 (see module docstring).
R_TIME = [5, 8, 9, 12, 13, 16, 18, 23, 27, 28, 30, 31, 33, 34, 43, 45, 48, 161]
R_NRISK = [23, 21, 19, 18, 17, 15, 14, 13, 11, 10, 9, 8, 7, 6, 5, 4, 2, 1]
R_NEVENT = [2, 2, 1, 1, 1, 0, 1, 2, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0]
R_NCENSOR = [0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1]
R_SURV = [0.913043478261, 0.826086956522, 0.782608695652, 0.739130434783, 0.695652173913,
          0.695652173913, 0.645962732919, 0.546583850932, 0.496894409938, 0.496894409938,
          0.441683919945, 0.386473429952, 0.331262939959, 0.276052449965, 0.220841959972,
          0.165631469979, 0.0828157349896, 0.0828157349896]
R_LOGLOG_LOWER = [0.694947537532, 0.600610411237, 0.554211506669, 0.509209438754, 0.465641749762,
                  0.465641749762, 0.413952950717, 0.319250413971, 0.275565628012, 0.275565628012,
                  0.227381168463, 0.182836618649, 0.141825693482, 0.104441343234, 0.0709966489829,
                  0.0421142812616, 0.00695596679854, 0.00695596679854]
R_LOGLOG_UPPER = [0.977515669901, 0.930903558387, 0.903207489882, 0.873375781698, 0.841721291392,
                  0.841721291392, 0.805307764482, 0.726449173821, 0.684213788448, 0.684213788448,
                  0.63709268746, 0.587476914418, 0.535273789989, 0.480284660417, 0.422167443381,
                  0.360361360273, 0.286760367981, 0.286760367981]
R_LOG_LOWER = [0.804854797783, 0.684839468072, 0.6309579106, 0.579799217968, 0.530878341628,
               0.530878341628, 0.475257724706, 0.372078087249, 0.32401654569, 0.32401654569,
               0.271675995392, 0.222515297747, 0.176520182581, 0.133822195629, 0.0947332405633,
               0.0598407178101, 0.0148346082548, 0.0148346082548]
R_LOG_UPPER = [1, 0.996466605023, 0.970708759208, 0.942246527232, 0.9115684501, 0.9115684501,
               0.877982262317, 0.802933352802, 0.762010637765, 0.762010637765, 0.718078477475,
               0.671242442974, 0.621657726531, 0.569449296312, 0.514826379784, 0.458446770886,
               0.462327406565, 0.462327406565]
R_PLAIN_LOWER = [0.79788896017, 0.671182777938, 0.614039741744, 0.55967507956, 0.507605633313,
                 0.507605633313, 0.447726732276, 0.336376455802, 0.284430823732, 0.284430823732,
                 0.227032447132, 0.173114099622, 0.122740464819, 0.0761687058063, 0.0339252152411,
                 0, 0, 0]
R_PLAIN_UPPER = [1, 0.980991135106, 0.951177649561, 0.918585790005, 0.883698714513, 0.883698714513,
                 0.844198733563, 0.756791246061, 0.709357996144, 0.709357996144, 0.656335392757,
                 0.599832760282, 0.539785415098, 0.475936194125, 0.407758704704, 0.334257379863,
                 0.225230247028, 0.225230247028]


def adtte_from(times, events, paramcd="OS", prefix="S"):
    """An adtte frame from times and R-style status (1 = event)."""
    return pd.DataFrame({
        "USUBJID": [f"{prefix}{i:03d}" for i in range(len(times))],
        "PARAMCD": paramcd,
        "AVAL": [float(t) for t in times],
        "CNSR": [1 - int(e) for e in events],
    })


@pytest.fixture
def aml():
    return adtte_from(AML_TIME, AML_STATUS)


# --- event_indicator -------------------------------------------------------

def test_event_indicator_flips_adam_cnsr():
    assert survival.event_indicator([0, 1, 1, 0]).tolist() == [1, 0, 0, 1]
    assert survival.event_indicator(pd.Series([0, 1], dtype="Int64")).tolist() == [1, 0]
    assert survival.event_indicator([0.0, 1.0]).tolist() == [1, 0]


@pytest.mark.parametrize("bad", [[0, 2], [0, np.nan], [1, "x"], [-1], [0.5]])
def test_event_indicator_rejects_values_other_than_0_and_1(bad):
    with pytest.raises(ValueError, match="CNSR must be 0"):
        survival.event_indicator(bad)


# --- km_table against R ----------------------------------------------------

def test_km_table_counts_match_r_survfit_on_aml(aml):
    km = survival.km_table(aml)
    assert list(km.columns) == ["time", "n_risk", "n_event", "n_censor", "surv", "se", "lower", "upper"]
    assert km["time"].tolist() == R_TIME
    assert km["n_risk"].tolist() == R_NRISK
    assert km["n_event"].tolist() == R_NEVENT
    assert km["n_censor"].tolist() == R_NCENSOR
    np.testing.assert_allclose(km["surv"], R_SURV, atol=TOL)


@pytest.mark.parametrize("conf_type,lower,upper", [
    ("log-log", R_LOGLOG_LOWER, R_LOGLOG_UPPER),
    ("log", R_LOG_LOWER, R_LOG_UPPER),
    ("plain", R_PLAIN_LOWER, R_PLAIN_UPPER),
])
def test_km_table_confidence_limits_match_r_survfit_on_aml(aml, conf_type, lower, upper):
    km = survival.km_table(aml, conf_type=conf_type)
    np.testing.assert_allclose(km["lower"], lower, atol=TOL)
    np.testing.assert_allclose(km["upper"], upper, atol=TOL)


def test_km_table_default_is_log_log(aml):
    default = survival.km_table(aml)
    np.testing.assert_allclose(default["lower"], R_LOGLOG_LOWER, atol=TOL)


def test_km_table_log_log_first_step_by_hand(aml):
    # Hand calculation at t = 5: S = 21/23, Greenwood V = 2/(23*21);
    # log-log limits S ** exp(±1.959964 * sqrt(V) / |log S|).
    s = 21 / 23
    v = 2 / (23 * 21)
    w = 1.959963985 * math.sqrt(v) / abs(math.log(s))
    row = survival.km_table(aml).iloc[0]
    assert row["lower"] == pytest.approx(s ** math.exp(w), abs=TOL)
    assert row["upper"] == pytest.approx(s ** math.exp(-w), abs=TOL)


def test_km_table_alpha_changes_the_level(aml):
    # 90% log interval at t = 5 by hand: S exp(∓1.644854 * 0.0643489452) (R std.err of log S).
    s = 21 / 23
    row = survival.km_table(aml, conf_type="log", alpha=0.10).iloc[0]
    assert row["lower"] == pytest.approx(s * math.exp(-1.644853627 * 0.0643489452088), abs=TOL)


# --- km_table conventions, hand-worked ------------------------------------

def test_km_table_censored_ties_leave_after_deaths():
    # times 1, 2, 2+, 3, 4+ (one death and one censoring at t = 2).
    # Censored at 2 is still at risk at 2: S(2) = 4/5 * 3/4 = 0.6 and 2 at risk at 3,
    # S(3) = 0.6 * 1/2 = 0.3. (Censoring first would give 4/5 * 2/3 = 0.5333.)
    d = adtte_from([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    km = survival.km_table(d, conf_type="plain")
    assert km["time"].tolist() == [1, 2, 3, 4]
    assert km["n_risk"].tolist() == [5, 4, 2, 1]
    assert km["n_event"].tolist() == [1, 1, 1, 0]
    assert km["n_censor"].tolist() == [0, 1, 0, 1]
    np.testing.assert_allclose(km["surv"], [0.8, 0.6, 0.3, 0.3], atol=TOL)
    # Greenwood at t = 2: V = 1/(5*4) + 1/(4*3) = 0.05 + 0.083333 = 0.133333;
    # se(S) = 0.6 * sqrt(0.133333) = 0.219089; plain: 0.6 ± 1.959964 * 0.219089.
    assert km["lower"].iloc[1] == pytest.approx(0.6 - 1.959964 * 0.219089, abs=TOL)
    assert km["upper"].iloc[1] == pytest.approx(min(1.0, 0.6 + 1.959964 * 0.219089), abs=TOL)


def test_km_table_all_censored_is_flat_at_one():
    d = adtte_from([3, 5, 5, 9], [0, 0, 0, 0])
    km = survival.km_table(d)
    assert km["n_risk"].tolist() == [4, 3, 1]
    assert km["n_event"].sum() == 0
    assert (km["surv"] == 1).all() and (km["lower"] == 1).all() and (km["upper"] == 1).all()


@pytest.mark.parametrize("conf_type", ["log-log", "log", "plain"])
def test_km_table_bounds_are_nan_once_survival_reaches_zero(conf_type):
    # R survfit prints NA for the limits where S = 0 (Greenwood term d/(n(n-d)) is infinite).
    d = adtte_from([1, 2, 3], [1, 1, 1])
    km = survival.km_table(d, conf_type=conf_type)
    assert km["surv"].iloc[-1] == 0
    assert np.isnan(km["lower"].iloc[-1]) and np.isnan(km["upper"].iloc[-1])
    assert not np.isnan(km["lower"].iloc[0])


def test_km_table_uses_only_the_requested_parameter():
    os_ = adtte_from([1, 2, 3], [1, 0, 0], paramcd="OS")
    pfs = adtte_from([1, 1, 1], [1, 1, 1], paramcd="PFS")
    km = survival.km_table(pd.concat([os_, pfs]), paramcd="OS")
    assert km["n_risk"].tolist() == [3, 2, 1]


def test_km_table_rejects_unknown_conf_type(aml):
    with pytest.raises(ValueError, match="conf_type must be one of"):
        survival.km_table(aml, conf_type="arcsin")


def test_km_table_rejects_absent_paramcd(aml):
    with pytest.raises(ValueError, match="'PFS' is not in adtte"):
        survival.km_table(aml, paramcd="PFS")


# --- survival_at -------------------------------------------------------------

def test_survival_at_reads_the_step_function(aml):
    km = survival.km_table(aml)
    before = survival.survival_at(km, 4.9)
    assert (before["surv"], before["lower"], before["upper"]) == (1.0, 1.0, 1.0)
    at = survival.survival_at(km, 5)  # events at exactly t count
    assert at["surv"] == pytest.approx(R_SURV[0], abs=TOL)
    between = survival.survival_at(km, 28.5)  # row of t = 28 (censoring), S as after t = 27
    assert between["surv"] == pytest.approx(0.496894409938, abs=TOL)
    assert between["lower"] == pytest.approx(0.275565628012, abs=TOL)
    assert between["upper"] == pytest.approx(0.684213788448, abs=TOL)


# --- logrank -------------------------------------------------------------------

def test_logrank_matches_r_survdiff_on_aml(aml):
    group = pd.Series(AML_X, index=aml["USUBJID"])
    res = survival.logrank(aml, group)
    # R: Chisq = 3.39638869898 on 1 df, p = 0.0653393220405; expected 10.6893359923, 7.3106640077.
    assert res.statistic == pytest.approx(3.39638869898, abs=TOL)
    assert res.df == 1
    assert res.pvalue == pytest.approx(0.0653393220405, abs=TOL)
    assert res.table["observed"].tolist() == [7, 11]
    np.testing.assert_allclose(res.table["expected"], [10.6893359923, 7.3106640077], atol=TOL)
    assert (res.n, res.sizes, res.method) == (23, (11, 12), "chi-square")


def test_logrank_group_of_size_one_by_hand():
    # A: death at 1. B: deaths at 2, 3; censored at 4.
    # Only t = 1 has A at risk: n = 4, d = 1, n_A = 1 -> E_A = 1/4,
    # V = d (n-d)/(n-1) * (1/4)(3/4) = 1 * 3/3 * 3/16 = 0.1875.
    # Chi-square = (1 - 0.25)^2 / 0.1875 = 3.0 on 1 df; p = P(chi2_1 >= 3) = 0.0832645.
    d = adtte_from([1, 2, 3, 4], [1, 1, 1, 0])
    group = pd.Series(["A", "B", "B", "B"], index=d["USUBJID"])
    res = survival.logrank(d, group)
    assert res.statistic == pytest.approx(3.0, abs=TOL)
    assert res.df == 1
    assert res.pvalue == pytest.approx(0.0832645, abs=TOL)
    assert res.table.loc["A", "expected"] == pytest.approx(0.25, abs=TOL)


def test_logrank_drops_subjects_with_missing_group(aml):
    group = pd.Series(AML_X, index=aml["USUBJID"])
    with_missing = group.copy().astype(object)
    with_missing.iloc[0] = np.nan
    absent = group.drop(group.index[0])
    a = survival.logrank(aml, with_missing)
    b = survival.logrank(aml, absent)
    c = survival.logrank(aml.iloc[1:], group)
    assert a.statistic == pytest.approx(b.statistic) == pytest.approx(c.statistic)
    assert a.table["n"].tolist() == [10, 12]


def test_logrank_k_groups_has_k_minus_1_df_and_agrees_with_lifelines(aml):
    # Independent implementation: lifelines.statistics.multivariate_logrank_test.
    from lifelines.statistics import multivariate_logrank_test

    labels = ["a", "b", "c"] * 7 + ["a", "b"]
    group = pd.Series(labels, index=aml["USUBJID"])
    res = survival.logrank(aml, group)
    ref = multivariate_logrank_test(AML_TIME, labels, AML_STATUS)
    assert res.df == 2
    assert res.statistic == pytest.approx(ref.test_statistic, abs=TOL)
    assert res.pvalue == pytest.approx(ref.p_value, abs=TOL)


def test_logrank_needs_two_groups_and_events(aml):
    with pytest.raises(ValueError, match="at least two groups"):
        survival.logrank(aml, pd.Series("A", index=aml["USUBJID"]))
    d = adtte_from([1, 2], [0, 0])
    with pytest.raises(ValueError, match="no events"):
        survival.logrank(d, pd.Series(["A", "B"], index=d["USUBJID"]))


# --- km_plot -------------------------------------------------------------------

def test_km_plot_returns_figure_with_risk_table(aml):
    import matplotlib.pyplot as plt

    fig = figures.km_plot(survival.km_table(aml), horizon=28, risk_times=[0, 7, 14, 21, 28])
    assert isinstance(fig, matplotlib.figure.Figure)
    ax, tab = fig.axes[:2]
    # x axis runs 2.5 % past the horizon so a step exactly at day 28 stays visible
    assert ax.get_xlim() == pytest.approx((0.0, 28.7))
    # number at risk (AVAL >= t) at 0, 7, 14, 21, 28 = 23, 21, 15, 13, 10 (counted from the data)
    shown = [t.get_text() for t in tab.texts]
    assert shown[:5] == ["23", "21", "15", "13", "10"]
    plt.close(fig)


def test_km_plot_shows_a_step_at_the_horizon_and_nothing_after():
    import matplotlib.pyplot as plt

    # deaths at 10 and exactly 28, one at 40 (after the horizon)
    d = adtte_from([10, 28, 40, 90], [1, 1, 1, 0])
    fig = figures.km_plot(survival.km_table(d), horizon=28)
    line = fig.axes[0].get_lines()[0]
    x, y = line.get_xdata(), line.get_ydata()
    assert list(x) == pytest.approx([0, 10, 28, 28.7])
    assert list(y) == pytest.approx([1, 0.75, 0.5, 0.5])
    plt.close(fig)


def test_km_plot_draws_one_curve_per_group(aml):
    import matplotlib.pyplot as plt

    group = pd.Series(AML_X, index=aml["USUBJID"])
    fig = figures.km_plot(survival.km_by_group(aml, group))
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["Maintained", "Nonmaintained"]
    plt.close(fig)


# --- day-28 status and the page's ledger values ------------------------------

def write_study(folder, times, status, ittfl=None):
    """A hand-made study folder: adsl.csv + adtte.csv (OS) following the data contract."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"01-{i:03d}" for i in range(1, len(times) + 1)]
    adsl = pd.DataFrame({"USUBJID": ids, "AGE": 60, "SEX": "M"})
    if ittfl is not None:
        adsl["ITTFL"] = ittfl
    adsl.to_csv(folder / "adsl.csv", index=False)
    pd.DataFrame({"USUBJID": ids, "PARAMCD": "OS", "AVAL": times,
                  "CNSR": [1 - e for e in status]}).to_csv(folder / "adtte.csv", index=False)
    return folder


def test_status_at_counts_deaths_on_or_before_the_horizon():
    # deaths at 6, 28 (counts: AVAL <= 28) and 29 (does not); censored at 10 and 90.
    # a sixth subject has no OS record and is not counted.
    d = adtte_from([6, 28, 29, 10, 90], [1, 1, 1, 0, 0])
    adsl = pd.DataFrame({"USUBJID": [*d["USUBJID"], "none"]})
    adsl = derive.derive_var_lstalvdy(derive.derive_var_dthdy(adsl, d), d)
    assert survival.status_at(adsl, 28) == survival.SurvivalStatus(
        horizon=28, n=5, dead=2, alive=3, censored_before=1)


def test_page_values_for_16_patients_3_deaths_before_day_28(tmp_path):
    from ruxlib import io

    times = [6, 13, 22] + [90] * 13
    status = [1, 1, 1] + [0] * 13
    study = io.load_study(write_study(tmp_path / "study", times, status))
    values = survival.page_values(study)
    assert values["km-survival-n"] == 16 and values["km-survival-alive"] == 13
    assert values["km-survival-dead"] == 3 and values["km-survival-cens-before"] == 0
    assert values["km-survival-s"] == pytest.approx(100 * 13 / 16)
    assert values["km-survival-alive-pct"] == pytest.approx(100 * 13 / 16)
    assert values["km-survival-horizon"] == 28 and values["km-survival-level"] == pytest.approx(95.0)


def test_itt_adtte_keeps_only_itt_subjects(tmp_path):
    from ruxlib import io

    study = io.load_study(write_study(tmp_path / "s", [5, 10, 15], [1, 0, 0], ittfl=["Y", "N", "Y"]))
    assert survival.itt_adtte(study)["USUBJID"].tolist() == ["01-001", "01-003"]


@pytest.mark.slow
@pytest.mark.parametrize("with_os", [True, False])
def test_km_page_executes_on_a_hand_made_folder(tmp_path, with_os):
    import subprocess
    import sys
    from pathlib import Path

    import nbformat

    folder = write_study(tmp_path / "study", [6, 13, 22] + [90] * 13, [1, 1, 1] + [0] * 13)
    if not with_os:
        (folder / "adtte.csv").unlink()
    book_dir = Path(__file__).resolve().parent.parent / "book"
    nb_in, nb_out = tmp_path / "km.ipynb", tmp_path / "km.out.ipynb"
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "jupytext", "--to", "ipynb", "-o", nb_in, book_dir / "survival.md"],
                   check=True, capture_output=True)
    subprocess.run([bin_dir / "papermill", nb_in, nb_out, "-p", "data_dir", str(folder)],
                   check=True, capture_output=True, cwd=book_dir)
    nb = nbformat.read(str(nb_out), as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []


# --- km_estimate on arrays, numbers at risk ----------------------------------

def test_km_estimate_on_arrays_equals_the_adam_adapter(aml):
    km = survival.km_estimate(AML_TIME, AML_STATUS)
    pd.testing.assert_frame_equal(km, survival.km_table(aml))


def test_km_estimate_greenwood_se_by_hand():
    # deaths at 2 (4 at risk) and 3 (3 at risk): S = 3/4 then 1/2;
    # V = 1/(4*3) = 1/12 then + 1/(3*2) = 1/4; se(S) = S sqrt(V) = 0.75/sqrt(12) then 0.5 * 0.5
    km = survival.km_estimate([2, 3, 3, 5], [1, 1, 0, 0])
    assert km["se"].tolist() == pytest.approx([0.75 * math.sqrt(1 / 12), 0.25, 0.25])


def test_km_estimate_rejects_bad_arrays():
    with pytest.raises(ValueError, match="equal length"):
        survival.km_estimate([1, 2], [1])
    with pytest.raises(ValueError, match="non-negative"):
        survival.km_estimate([-1, 2], [1, 1])
    with pytest.raises(ValueError, match="1 \\(event\\) or 0"):
        survival.km_estimate([1, 2], [1, 2])


def test_n_at_risk_reads_the_table_and_is_zero_after_the_last_time():
    km = survival.km_estimate([2, 3, 3, 5], [1, 1, 0, 0])
    assert [survival.n_at_risk(km, t) for t in (0, 2, 2.5, 3, 5, 6)] == [4, 4, 3, 3, 1, 0]


# --- median follow-up, risk table, benchmarks -----------------------------------

def test_median_time_follows_r_survfit():
    # R: survfit(Surv(time, status) ~ 1, data = aml) prints "median 27".
    assert survival.median_time(survival.km_estimate(AML_TIME, AML_STATUS)) == 27
    # R: survfit(Surv(1:4) ~ 1) prints median 2.5 (S is exactly 0.5 on [2, 3)).
    assert survival.median_time(survival.km_estimate([1, 2, 3, 4], [1, 1, 1, 1])) == 2.5
    # By hand: S = 0.8 at 1, 0.8 * 2/3 = 0.533 at 3, 0.267 at 4: median 4.
    assert survival.median_time(survival.km_estimate([1, 2, 3, 4, 5], [1, 0, 1, 1, 0])) == 4
    assert survival.median_time(survival.km_estimate([1, 2, 3], [1, 0, 0])) is None


def test_reverse_km_median_follow_up_against_lifelines_and_by_hand():
    from lifelines import KaplanMeierFitter

    rev = survival.reverse_km(AML_TIME, AML_STATUS)
    expected = KaplanMeierFitter().fit(AML_TIME, 1 - np.array(AML_STATUS)).median_survival_time_
    assert survival.median_time(rev) == expected == 161
    # By hand: deaths at 6, 27, 27 and 65 are censored in the reverse curve; it steps
    # 12/13, 11/13, 10/13, 9/13, 8/13 at 37, 45, 49, 53, 60, and falls to 0 at 90.
    times = [90, 90, 6, 90, 90, 90, 37, 27, 27, 45, 90, 65, 49, 60, 53, 90]
    dead = [0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    rev = survival.reverse_km(times, dead)
    assert survival.survival_at(rev, 60)["surv"] == pytest.approx(8 / 13)
    assert survival.median_time(rev) == 90
    adtte = pd.DataFrame({"USUBJID": range(16), "PARAMCD": "OS", "AVAL": times, "CNSR": [1 - d for d in dead]})
    assert survival.median_followup(adtte) == 90
    with pytest.raises(ValueError, match="event"):
        survival.reverse_km([1, 2], [1, 2])


def test_risk_table_by_hand():
    km = survival.km_estimate([2, 3, 3, 5, 8], [1, 1, 0, 0, 1])
    table = survival.risk_table(km, [0, 3, 4, 8, 9])
    assert table["n_risk"].tolist() == [5, 4, 2, 1, 0]
    assert table["events"].tolist() == [0, 2, 2, 3, 3]
    assert table["censored"].tolist() == [0, 1, 1, 2, 2]
    assert table["surv"].tolist() == pytest.approx([1, 0.8 * 0.75, 0.6, 0, 0])


def test_registered_horizon_is_the_papers_day_90():
    assert survival.registered_horizon() == 90
    with pytest.raises(ValueError, match="not in the record"):
        survival.registered_horizon("os_day365")


def test_benchmarks_come_from_the_registry_and_the_ledger_only():
    from ruxlib.claims import load_claims

    table = survival.benchmarks()
    # NCT04377620.yaml: placebo 33 deaths of 47 by day 29; ledger: 25 % and 60 % at day 28.
    assert table.loc["devent-placebo", "survival"] == pytest.approx(14 / 47)
    assert table.loc["devent-placebo", "horizon"] == 29
    assert table.loc[["historical-low", "historical-high"], "survival"].tolist() == [0.25, 0.60]
    claims = load_claims()
    assert list(survival.benchmarks(records={}, claims=claims).index) == ["historical-low", "historical-high"]
    without = claims[claims["id"] != "ctx.disc.hist_high"]
    assert "historical-high" not in survival.benchmarks(records={}, claims=without).index


def test_benchmark_tests_are_exact_binomial_tests():
    from math import comb

    table = pd.DataFrame({"survival": [0.25]}, index=pd.Index(["low"], name="key"))
    out = survival.benchmark_tests(13, 16, table)
    greater = sum(comb(16, i) * 3 ** (16 - i) for i in range(13, 17)) / 4 ** 16
    assert out.loc["low", "p_greater"] == pytest.approx(greater, rel=1e-12)
    assert out.loc["low", "p_two_sided"] == pytest.approx(greater, rel=1e-12)  # nothing as unlikely below 4


def test_aalen_johansen_matches_lifelines_without_ties():
    from lifelines import AalenJohansenFitter

    t = [1, 2, 3, 4, 5, 6, 7, 8.5, 9, 10]
    e = [1, 2, 0, 1, 1, 0, 2, 1, 0, 2]
    aj = survival.aalen_johansen(t, e).set_index("time")
    for cause in (1, 2):
        ref = AalenJohansenFitter(calculate_variance=False).fit(t, e, event_of_interest=cause).cumulative_density_
        np.testing.assert_allclose(aj[f"cif{cause}"], ref.iloc[:, 0].reindex(aj.index), atol=1e-12)
    # The incidences and S add up to 1 (with or without censoring); 1 - KM per cause would exceed it.
    aj = survival.aalen_johansen([1, 2, 3, 4], [1, 2, 2, 1])
    assert (aj["cif1"] + aj["cif2"] + aj["surv"]).tolist() == pytest.approx([1, 1, 1, 1])


def test_aalen_johansen_ties_across_causes_by_hand():
    # Day 2: of 4 at risk, one of each cause: both incidences get S(2-) / 4 = 0.75 / 4.
    aj = survival.aalen_johansen([1, 2, 2, 3, 3], [1, 1, 2, 0, 2]).set_index("time")
    assert aj.loc[2, ["cif1", "cif2"]].tolist() == pytest.approx([0.2 + 0.8 / 4, 0.8 / 4])
    assert aj.loc[3, "cif2"] == pytest.approx(0.2 + 0.4 / 2)
    with pytest.raises(ValueError, match="cause"):
        survival.aalen_johansen([1, 2], [1, -1])


def test_aalen_johansen_incidences_and_survival_sum_to_one_with_censoring():
    aj = survival.aalen_johansen([1, 2, 3, 4, 5, 6, 7, 8.5, 9, 10], [1, 2, 0, 1, 1, 0, 2, 1, 0, 2])
    assert (aj["cif1"] + aj["cif2"] + aj["surv"]).tolist() == pytest.approx([1.0] * len(aj))


def test_the_crosses_sentence_counts_the_crosses(tmp_path):
    from pathlib import Path

    from ruxlib import io

    # Censored on days 5 and 10 (twice): two days with a cross up to day 28; day 40 is past it.
    study = io.load_study(write_study(tmp_path / "c", [3, 5, 10, 10, 40], [1, 0, 0, 0, 0]))
    assert survival.page_values(study)["km-survival-cross-days"] == 2
    assert survival.page_values(study)["km-survival-crosses"] == 2
    # Shipped data: no censoring before day 37 (issue 12), so no cross to day 28 and no sentence.
    shipped = survival.page_values(io.load_study(Path(__file__).parents[1] / "data"))
    assert shipped["km-survival-cross-days"] == 0
    assert shipped["km-survival-crosses"] is None
    page = (Path(__file__).parents[1] / "book" / "survival.md").read_text(encoding="utf-8")
    assert "the crosses mark censored patients" not in page
    # every paragraph that speaks of the crosses quotes the value that is None without one,
    # so the build (ruxlib.publish drops blocks quoting None) leaves it out
    paragraphs = [b for b in page.split("\n\n") if "cross (+)" in b.lower() or "crosses" in b]
    assert paragraphs
    assert all("{glue:text}`km-survival-crosses:.0f`" in b for b in paragraphs)


def test_the_crosses_paragraph_is_dropped_without_censoring_in_range():
    import nbformat

    from ruxlib import publish

    cell = nbformat.v4.new_markdown_cell("Intro.\n\nA cross (+) ... {glue:text}`km-survival-crosses:.0f` of them.")
    kept = publish._prune_markdown([cell], True, {"km-survival-crosses": None})
    assert kept[0].source == "Intro."
    kept = publish._prune_markdown([cell], True, {"km-survival-crosses": 2})
    assert "cross (+)" in kept[0].source


def test_beyond_the_paper_values_on_the_shipped_folder_by_hand():
    from math import comb
    from pathlib import Path

    from ruxlib import io

    v = survival.page_values(io.load_study(Path(__file__).parents[1] / "data"))
    # Deaths on days 6, 27, 27 and 65; 5 censored between 37 and 60; 7 followed to day 90.
    assert v["km-survival-long-horizon"] == 90 and v["km-survival-fu-median"] == 90
    assert v["km-survival-long-s"] == pytest.approx(100 * 13 / 16 * 7 / 8)
    assert (v["km-survival-long-dead"], v["km-survival-long-cens"], v["km-survival-long-risk"]) == (4, 5, 7)
    greater = sum(comb(16, i) * 3 ** (16 - i) for i in range(13, 17)) / 4 ** 16
    assert v["km-survival-bench-historical-low-p"] == pytest.approx(greater, rel=1e-12)
    n = v["km-survival-n-for-width"]
    assert stats_width(round(13 / 16 * n), n) <= 0.2 < stats_width(round(13 / 16 * (n - 1)), n - 1)


def stats_width(k, n):
    from ruxlib.stats import clopper_pearson

    ci = clopper_pearson(k, n)
    return ci.upper - ci.lower


# --- logrank_permutation and truncate ---------------------------------------------

def test_permutation_logrank_four_subjects_enumerated_by_hand():
    # Deaths at days 1, 2, 3, 4 (subjects 1-4, no censoring), two per group: C(4, 2) = 6 splits.
    # Log-rank for group G at each death time t (n at risk, n_G of G at risk, d = 1):
    # E += n_G / n, V += (n - 1)/(n - 1) * (n_G/n)(1 - n_G/n) (0 when n = 1).
    #   G = {1,2}: t1 n_G 2/4 (E .5, V 1/4), t2 1/3 (E 1/3, V 2/9), t3 0/2, t4 0/1;
    #              O = 2, E = 5/6, U = 7/6, V = 17/36 -> chi2 = 49/17 = 2.882.
    #   G = {3,4}: mirror image of {1,2}: U = -7/6, V = 17/36 -> 49/17.
    #   G = {1,3}: t1 2/4 (.5, 1/4), t2 1/3 (1/3, 2/9), t3 1/2 (.5, 1/4), t4 0/1;
    #              O = 2, E = 4/3, U = 2/3, V = 13/18 -> chi2 = 8/13; G = {2,4} the same.
    #   G = {1,4}: E = .5 + 1/3 + .5 + 1 = 7/3, U = -1/3, V = 13/18 -> 2/13; G = {2,3} the same.
    # Observed G = {1,2}: 2 of 6 splits have chi2 >= 49/17 -> p = 1/3.
    # Observed G = {1,3}: 4 of 6 -> p = 2/3.  Observed G = {1,4}: 6 of 6 -> p = 1.
    d = adtte_from([1, 2, 3, 4], [1, 1, 1, 1])
    for members, chi2, p in (((0, 1), 49 / 17, 1 / 3), ((0, 2), 8 / 13, 2 / 3), ((0, 3), 2 / 13, 1.0)):
        labels = ["G" if i in members else "H" for i in range(4)]
        res = survival.logrank_permutation(d, pd.Series(labels, index=d["USUBJID"]))
        assert res.statistic == pytest.approx(chi2, abs=TOL)
        assert res.pvalue == pytest.approx(p, abs=TOL)
        assert res.method == "exact"


def test_permutation_logrank_monte_carlo_above_the_limit_is_near_the_exact_value():
    d = adtte_from([1, 2, 3, 4], [1, 1, 1, 1])
    group = pd.Series(["G", "G", "H", "H"], index=d["USUBJID"])
    res = survival.logrank_permutation(d, group, limit=5, n_resamples=20_000, seed=1)
    assert res.method == "Monte Carlo"
    assert res.pvalue == pytest.approx(1 / 3, abs=0.015)  # 4 binomial SEs of 20,000 draws


def test_permutation_logrank_on_aml_statistic_is_survdiffs():
    # R survdiff on aml: chi-square 3.39638869898 (the observed statistic is unchanged by permuting).
    aml = adtte_from(AML_TIME, AML_STATUS)
    res = survival.logrank_permutation(aml, pd.Series(AML_X, index=aml["USUBJID"]), limit=1000,
                                       n_resamples=2000)
    assert res.statistic == pytest.approx(3.39638869898, abs=TOL)
    assert 0 < res.pvalue < 1 and res.method == "Monte Carlo"


def test_permutation_logrank_on_a_large_sample_agrees_with_the_chi_square_approximation():
    # With 4,000 subjects (continuous times, censoring, a real difference) the permutation
    # distribution of the log-rank chi-square is close to chi-square(1): the Monte Carlo p
    # (drawn as cell counts, never as 4,000 labels per split) is near survdiff's asymptotic p.
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.integers(0, 2, n)
    t = rng.exponential(20 / np.where(x == 1, 1.08, 1.0))
    c = rng.uniform(5, 40, n)
    d = adtte_from(np.minimum(t, c).round(1), (t <= c).astype(int))
    group = pd.Series(np.where(x == 1, "G", "H"), index=d["USUBJID"])
    asymptotic = survival.logrank(d, group)
    res = survival.logrank_permutation(d, group, n_resamples=4000, seed=0)
    assert res.method == "Monte Carlo"
    assert res.statistic == pytest.approx(asymptotic.statistic, rel=1e-9)
    assert 0.02 < asymptotic.pvalue < 0.5  # the draw is not degenerate
    assert res.pvalue == pytest.approx(asymptotic.pvalue, abs=4 * np.sqrt(asymptotic.pvalue / 4000) + 0.005)


def test_truncate_censors_administratively_at_the_horizon():
    d = adtte_from([5, 28, 30, 40], [1, 1, 1, 0])
    out = survival.truncate(d, 28)
    assert out["AVAL"].tolist() == [5, 28, 28, 28]
    assert out["CNSR"].tolist() == [0, 0, 1, 1]
    assert d["AVAL"].tolist() == [5, 28, 30, 40]  # input untouched
