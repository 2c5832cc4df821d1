"""Scoring of the shipped outcome measures against worked examples, the missing-item rules
and the meaningful-change flags at the threshold and one step below it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from treatments.outcomes import INSTRUMENTS, NPRS, PSFS, RMDQ, get_instrument


def rmdq(ticked: int) -> dict[str, bool]:
    return {f"q{n}": n <= ticked for n in range(1, 25)}


def test_only_the_three_free_instruments_are_shipped():
    assert set(INSTRUMENTS) == {"nprs", "rmdq", "psfs"}
    with pytest.raises(ValidationError) as exc:
        get_instrument("odi")
    assert exc.value.code == "unknown_instrument"


def test_rmdq_has_24_statements_each_about_the_back():
    items = INSTRUMENTS[RMDQ].items
    assert len(items) == 24
    assert all("back" in item.text for item in items)


# -- NPRS ----------------------------------------------------------------------------------
def test_nprs_scores_the_rating():
    assert INSTRUMENTS[NPRS].score({"pain": "7"}) == 7
    assert INSTRUMENTS[NPRS].score({"pain": 0}) == 0


def test_nprs_without_a_rating_has_no_score():
    assert INSTRUMENTS[NPRS].score({}) is None
    assert INSTRUMENTS[NPRS].score({"pain": ""}) is None


@pytest.mark.parametrize("bad", ["11", "-1", "4.5", "a lot", True])
def test_nprs_refuses_ratings_outside_0_to_10(bad):
    with pytest.raises(ValidationError) as exc:
        INSTRUMENTS[NPRS].score({"pain": bad})
    assert exc.value.code == "out_of_range"


def test_nprs_meaningful_change_at_2_points_not_at_1():
    nprs = INSTRUMENTS[NPRS]
    assert nprs.change(Decimal(7), Decimal(5)).meaningful
    assert not nprs.change(Decimal(7), Decimal(6)).meaningful
    # Getting worse is never a meaningful improvement.
    assert not nprs.change(Decimal(5), Decimal(7)).meaningful
    assert nprs.change(Decimal(5), Decimal(7)).points == -2


# -- RMDQ ----------------------------------------------------------------------------------
def test_rmdq_worked_example_12_then_2_is_83_percent_better():
    instrument = INSTRUMENTS[RMDQ]
    before, after = instrument.score(rmdq(12)), instrument.score(rmdq(2))
    assert (before, after) == (12, 2)
    change = instrument.change(before, after)
    assert change.points == 10
    assert round(change.percent) == 83
    assert change.meaningful


def test_rmdq_unticked_and_missing_statements_score_no():
    instrument = INSTRUMENTS[RMDQ]
    assert instrument.score({}) == 0
    assert instrument.score({"q1": "yes", "q5": "on", "q9": "no"}) == 2
    assert instrument.score(rmdq(24)) == 24


def test_rmdq_refuses_statements_it_does_not_have():
    with pytest.raises(ValidationError) as exc:
        INSTRUMENTS[RMDQ].score({"q25": True})
    assert exc.value.code == "unknown_item"


def test_rmdq_meaningful_at_5_points_not_at_4():
    instrument = INSTRUMENTS[RMDQ]
    # From 20, 30% would be 6 points: the 5-point rule decides.
    assert instrument.change(Decimal(20), Decimal(15)).meaningful
    assert not instrument.change(Decimal(20), Decimal(16)).meaningful


def test_rmdq_meaningful_at_30_percent_not_below():
    instrument = INSTRUMENTS[RMDQ]
    # From 10, 3 points is 30% (under 5 points): meaningful; 2 points (20%) is not.
    assert instrument.change(Decimal(10), Decimal(7)).meaningful
    assert not instrument.change(Decimal(10), Decimal(8)).meaningful
    assert instrument.threshold_at(Decimal(10)) == 3
    assert instrument.threshold_at(Decimal(20)) == 5


# -- PSFS ----------------------------------------------------------------------------------
def psfs(*ratings) -> dict:
    return {
        f"a{n}": {"activity": f"activity {n}", "rating": r} for n, r in enumerate(ratings, start=1)
    }


def test_psfs_scores_the_mean_of_the_activities():
    # Worked example: sitting 3, walking 5, bending 4 -> (3 + 5 + 4) / 3 = 4.
    assert INSTRUMENTS[PSFS].score(psfs(3, 5, 4)) == 4
    assert INSTRUMENTS[PSFS].score(psfs(2, 5, 6, 8)) == Decimal("5.25")
    assert INSTRUMENTS[PSFS].score(psfs(1, 2, 2)) == Decimal("1.67")


def test_psfs_leaves_unrated_activities_out_of_the_mean():
    assert INSTRUMENTS[PSFS].score(psfs(4, None, 8)) == 6
    assert INSTRUMENTS[PSFS].score(psfs(None, None, None)) is None


@pytest.mark.parametrize("count", [2, 6])
def test_psfs_needs_3_to_5_activities(count):
    answers = {f"a{n}": {"activity": "x", "rating": 5} for n in range(1, count + 1)}
    with pytest.raises(ValidationError) as exc:
        INSTRUMENTS[PSFS].score(answers)
    assert exc.value.code in {"activity_count", "unknown_item"}


def test_psfs_rating_without_an_activity_is_refused():
    answers = psfs(4, 5, 6)
    answers["a4"] = {"activity": "", "rating": 3}
    with pytest.raises(ValidationError) as exc:
        INSTRUMENTS[PSFS].score(answers)
    assert exc.value.code == "activity_unnamed"


def test_psfs_meaningful_rise_of_2_not_1():
    instrument = INSTRUMENTS[PSFS]
    assert instrument.change(Decimal(4), Decimal(6)).meaningful
    assert not instrument.change(Decimal(4), Decimal(5)).meaningful
    assert not instrument.change(Decimal(6), Decimal(4)).meaningful


def test_psfs_snapshot_keeps_the_activities_the_client_named():
    instrument = INSTRUMENTS[PSFS]
    cleaned = instrument.clean(psfs(3, 5, 4))
    assert [s["text"] for s in instrument.snapshot(cleaned)] == [
        "activity 1", "activity 2", "activity 3"
    ]
