"""Sentences that were false once, guarded against their return (issue 12)."""

from ruxlib.paths import REPO


def test_recovery_effect_is_stated_for_invasively_ventilated_patients():
    # RECOVERY's rate ratio 0.64 (a 36 % relative reduction) is for patients on invasive
    # mechanical ventilation at randomisation (NEJM 2021;384:693), not "respiratory support".
    text = (REPO / "book" / "context.md").read_text()
    assert "among patients on respiratory support" not in text
    assert "invasive mechanical" in text


def test_the_papers_arm_is_10_mg_on_day_1_then_15_mg():
    # Methods: "2 × 10mg (... 2 × 10−15mg ... as part of an amendment), and dose increased to
    # 2 × 15mg from d2"; the arm is not simply "15 mg BID".
    from ruxlib.registry import survival_in_context

    first = survival_in_context(13, 16, {}).iloc[0]
    assert first["arm"].startswith("ruxolitinib 10 mg BID on day 1, then 15 mg BID")
