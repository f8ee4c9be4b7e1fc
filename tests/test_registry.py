"""Registry records: schema validation, loading, and the published-interval checks."""

import copy

import pytest
import yaml

from ruxlib import registry

SHIPPED = ("NCT04334044", "NCT04359290", "NCT04377620", "NCT04362137")


@pytest.mark.parametrize("nct", SHIPPED)
def test_shipped_record_validates_against_schema(nct):
    record = yaml.safe_load((registry.REGISTRY_DIR / f"{nct}.yaml").read_text(encoding="utf-8"))
    assert registry.validate_record(record) == []


def test_load_all_returns_the_paper_first():
    records = registry.load_all()
    assert list(records)[0] == "NCT04359290"
    assert set(SHIPPED) <= set(records)


def test_registry_record_nct04334044_matches_the_seed():
    # Source: shared/seeds/registry-NCT04334044.txt (ClinicalTrials.gov record).
    r = registry.load_record("NCT04334044")
    assert r["enrolment"] == {"n": 77, "type": "actual"}
    assert r["phase"] == [1, 2]
    assert r["arms"][0]["dose_mg"] == 5 and r["arms"][0]["frequency"] == "BID"
    crit = registry.criteria_table(r)
    assert list(crit["kind"]).count("exclusion") == 4
    assert "Neutropenia below 500 cels/mm3" in set(crit["text"])  # the record's own spelling
    assert len(r["outcomes"]) == 8


def test_invalid_record_lists_every_problem():
    record = copy.deepcopy(registry.load_record("NCT04334044"))
    record["nct_id"] = "NCT123"
    record["enrolment"]["n"] = 0
    del record["sponsor"]
    problems = registry.validate_record(record)
    assert len(problems) == 3
    assert any(p.startswith("nct_id:") for p in problems)
    assert any(p.startswith("enrolment/n:") for p in problems)
    assert any("'sponsor' is a required property" in p for p in problems)


def test_criterion_with_unknown_source_is_reported():
    record = copy.deepcopy(registry.load_record("NCT04334044"))
    record["eligibility"]["inclusion"][0]["source"] = "nowhere"
    assert registry.validate_record(record) == ["eligibility/INC1: source 'nowhere' is not in sources"]


def test_exclusion_criterion_with_inc_id_is_reported():
    record = copy.deepcopy(registry.load_record("NCT04334044"))
    record["eligibility"]["exclusion"][0]["id"] = "INC9"
    assert registry.validate_record(record) == ["eligibility/exclusion/INC9: exclusion criterion ids start with EXC"]


def test_load_record_names_the_file_when_invalid(tmp_path):
    (tmp_path / "schema.json").write_text((registry.REGISTRY_DIR / "schema.json").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "NCT00000001.yaml").write_text("nct_id: NCT00000001\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError) as err:
        registry.load_record("NCT00000001", tmp_path)
    assert all(p.startswith("NCT00000001.yaml: ") for p in err.value.problems)


def test_compare_trials_has_one_column_per_trial():
    table = registry.compare_trials(registry.load_all())
    assert table.shape[1] == len(registry.load_all())
    assert {"primary endpoint", "time frame", "size", "severity at entry", "dose"} <= set(table.index)


def test_devent_counts_are_the_published_ones():
    # Source: context-facts.md (RUXCOVID-DEVENT, Crit Care Med 2022, Table 2).
    counts = registry.published_counts(registry.load_record("NCT04377620"))
    assert counts[["events", "n"]].to_dict("index") == {
        "ruxolitinib_15": {"events": 39, "n": 77},
        "ruxolitinib_5": {"events": 45, "n": 85},
        "placebo": {"events": 33, "n": 47},
    }


def test_log_symmetric_interval_centre_is_geometric_mean():
    # sqrt(0.25 * 1.0) = 0.5; SE = ln(4) / (2 * 1.959964) = 0.353653 (hand computation)
    c = registry.check_log_symmetric_interval(0.5, 0.25, 1.0)
    assert c.centre == pytest.approx(0.5)
    assert c.se == pytest.approx(0.353653, abs=1e-6)
    # z = ln(0.5)/0.353653 = -1.95996 -> one-sided p = 0.025 by construction
    assert c.p_one_sided == pytest.approx(0.025, abs=1e-4)


def test_devent_5mg_abstract_upper_limit_is_the_consistent_printing():
    # Source: context-facts.md: OR 0.42 (0.171-1.203 in Table 2; 1.023 in the abstract), one-sided p 0.028.
    table = registry.check_log_symmetric_interval(0.42, 0.171, 1.203)
    abstract = registry.check_log_symmetric_interval(0.42, 0.171, 1.023)
    assert round(abstract.centre, 2) == 0.42
    assert round(table.centre, 2) == 0.45
    assert round(abstract.p_one_sided, 3) == 0.029
    assert round(table.p_one_sided, 3) == 0.041


def test_interval_check_rejects_reversed_limits():
    with pytest.raises(ValueError):
        registry.check_log_symmetric_interval(0.5, 1.0, 0.25)


def test_devent_published_mortality_intervals_are_clopper_pearson():
    # Source: context-facts.md (Crit Care Med 2022, Table 2): 39.0-62.2, 41.8-63.9, 55.1-82.7 (%).
    table = registry.check_published_intervals(registry.load_record("NCT04377620"))
    assert table["match"].tolist() == [True, True, True]
    assert table.loc["placebo", "ci_low"] == pytest.approx(55.1, abs=0.05)
    assert table.loc["placebo", "ci_high"] == pytest.approx(82.7, abs=0.05)


def test_arm_without_printed_interval_is_not_checked():
    table = registry.check_published_intervals(registry.load_record("NCT04362137"))
    assert table["match"].tolist() == [None, None]


def test_survival_in_context_turns_deaths_into_survivors_with_the_complement_interval():
    table = registry.survival_in_context(13, 16, registry.load_all())
    assert table.iloc[0][["survivors", "n"]].tolist() == [13, 16]
    placebo = table[(table["trial"].str.contains("NCT04377620")) & (table["arm"] == "Placebo")].iloc[0]
    # 47 - 33 deaths = 14 survivors; survival interval = 1 - mortality interval (55.1-82.7 %)
    assert placebo["survivors"] == 14
    assert placebo["lower"] == pytest.approx(1 - 0.827, abs=5e-4)
    assert placebo["upper"] == pytest.approx(1 - 0.551, abs=5e-4)
    # RUXCOVID enters with deaths by day 29 (9/286, 3/145), not with its composite endpoint
    ruxcovid = table[table["trial"].str.contains("NCT04362137")]
    assert ruxcovid[["survivors", "n"]].values.tolist() == [[277, 286], [142, 145]]


def test_survival_in_context_paper_row_is_clopper_pearson():
    # R: binom.test(13, 16)$conf.int = 0.5435435 0.9595263
    row = registry.survival_in_context(13, 16, {}).iloc[0]
    assert (row["lower"], row["upper"]) == pytest.approx((0.5435435, 0.9595263), abs=1e-6)


def test_forest_plot_has_one_line_per_arm():
    import matplotlib

    matplotlib.use("Agg")
    table = registry.survival_in_context(13, 16, registry.load_all())
    fig = registry.forest_plot(table, band=(0.25, 0.60), band_label="historical")
    assert len(fig.axes[0].get_yticks()) == len(table)


def test_malformed_date_is_reported():
    record = copy.deepcopy(registry.load_record("NCT04334044"))
    record["dates"]["start"] = "2020-13-01"
    assert registry.validate_record(record) == ["dates/start: '2020-13-01' is not a 'date'"]


def test_published_percentages_are_the_rounded_counts():
    # Source: context-facts.md: 51, 53, 70 % (RUXCOVID-DEVENT); 12 %, 12 % composite and 3 %, 2 % deaths (RUXCOVID).
    assert registry.check_published_intervals(registry.load_record("NCT04377620"))["percent_match"].tolist() == [True] * 3
    ruxcovid = registry.load_record("NCT04362137")
    assert registry.check_published_intervals(ruxcovid)["percent_match"].tolist() == [True, True]
    assert registry.check_published_intervals(ruxcovid, "deaths_by_day29")["percent_match"].tolist() == [True, True]
