"""Outcome measures: versioned instruments with their scoring and meaningful-change rules.

A pure module (no database): the instruments are code, because their scoring is code and
a published instrument is not something a clinic edits. Each instrument has a version; a
stored response keeps the code, the version and the item wording it was asked with, so a
later wording change never rewrites what a client answered.

Shipped: the Numeric Pain Rating Scale, the Roland-Morris Disability Questionnaire and
the Patient-Specific Functional Scale, which may be used without permission. The Oswestry
Disability Index and the STarT Back tool are not shipped: their rights holders (Mapi
Research Trust, Keele University) ask software vendors for a licence (see README).

Meaningful change is counted as improvement from the baseline (the first scored response
of a plan): a fall for pain and disability, a rise for function. The thresholds are the
published ones: NPRS 2 points; RMDQ 5 points or 30% of the baseline; PSFS 2 points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError

UNKNOWN_INSTRUMENT = "Unknown outcome measure."
ANSWER_OUT_OF_RANGE = "Each rating is a whole number from {low} to {high}."
ANSWER_NOT_YES_NO = "Each statement is either ticked or not."
UNKNOWN_ITEM = "The answers name a question that is not on this questionnaire."
PSFS_ACTIVITY_COUNT = "Name between 3 and 5 activities."
PSFS_ACTIVITY_NAME = "Each activity needs a short name (up to 120 characters)."
PSFS_ACTIVITY_UNNAMED = "Each rated activity needs a name."

NPRS = "nprs"
RMDQ = "rmdq"
PSFS = "psfs"


@dataclass(frozen=True)
class Item:
    key: str
    text: str


@dataclass(frozen=True)
class Change:
    """How a later score compares with the baseline, in the instrument's better direction."""

    baseline: Decimal
    current: Decimal
    points: Decimal  # improvement in points: positive is better, negative is worse
    percent: Decimal | None  # improvement as a share of the baseline, when it is not 0
    meaningful: bool  # improved by at least the instrument's threshold


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    title: str
    short_title: str
    instructions: str
    lower_is_better: bool
    score_min: int
    score_max: int
    mcid_points: Decimal
    mcid_percent: Decimal | None  # a relative threshold, reached when either one is
    items: tuple[Item, ...] = ()
    loinc: str = ""

    def snapshot(self, answers: Mapping[str, Any]) -> list[dict[str, str]]:
        """The wording the client saw, kept with the response."""
        if self.code == PSFS:
            return [
                {"key": key, "text": str(answers[key]["activity"])} for key in _psfs_keys(answers)
            ]
        return [{"key": item.key, "text": item.text} for item in self.items]

    def clean(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """The raw answers, checked and normalised, or a `ValidationError`."""
        return _CLEANERS[self.code](self, answers)

    def score(self, answers: Mapping[str, Any]) -> Decimal | None:
        """The score by the published rule, or None when the answers cannot be scored."""
        return _SCORERS[self.code](self, self.clean(answers))

    def threshold_at(self, baseline: Decimal) -> Decimal:
        """Points of improvement from `baseline` that count as meaningful (for the chart's
        threshold line): the smaller of the absolute and the relative threshold."""
        if self.mcid_percent is None or baseline == 0:
            return self.mcid_points
        return min(self.mcid_points, (abs(baseline) * self.mcid_percent / 100))

    def change(self, baseline: Decimal, current: Decimal) -> Change:
        baseline, current = Decimal(baseline), Decimal(current)
        points = baseline - current if self.lower_is_better else current - baseline
        percent = (points * 100 / abs(baseline)) if baseline else None
        meaningful = points >= self.mcid_points or (
            self.mcid_percent is not None and percent is not None and percent >= self.mcid_percent
        )
        return Change(baseline, current, points, percent, meaningful)


def _whole(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValidationError(ANSWER_OUT_OF_RANGE.format(low=low, high=high), code="out_of_range")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            ANSWER_OUT_OF_RANGE.format(low=low, high=high), code="out_of_range"
        ) from None
    if not low <= number <= high or str(number) != str(value).strip().lstrip("+"):
        raise ValidationError(ANSWER_OUT_OF_RANGE.format(low=low, high=high), code="out_of_range")
    return number


def _unknown_keys(instrument: Instrument, answers: Mapping[str, Any]) -> None:
    known = {item.key for item in instrument.items}
    if set(answers) - known:
        raise ValidationError(UNKNOWN_ITEM, code="unknown_item")


# -- NPRS: one rating 0-10; nothing to impute, so a missing rating means no score. -------
def _clean_nprs(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    _unknown_keys(instrument, answers)
    value = answers.get("pain")
    if value is None or value == "":
        return {}
    return {"pain": _whole(value, 0, 10)}


def _score_nprs(instrument: Instrument, answers: dict[str, Any]) -> Decimal | None:
    return Decimal(answers["pain"]) if "pain" in answers else None


# -- RMDQ: the client ticks the statements that apply today; the score is the count. -----
# The authors' rule: an item left unticked (or marked as not applicable) scores "no". So a
# missing item is a 0, and every submitted form has a score from 0 to 24.
def _clean_rmdq(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    _unknown_keys(instrument, answers)
    cleaned = {}
    for key, value in answers.items():
        if value in (True, "yes", "on", "1", 1):
            cleaned[key] = True
        elif value in (False, None, "", "no", "0", 0):
            cleaned[key] = False
        else:
            raise ValidationError(ANSWER_NOT_YES_NO, code="not_yes_no")
    return cleaned


def _score_rmdq(instrument: Instrument, answers: dict[str, Any]) -> Decimal | None:
    return Decimal(sum(1 for item in instrument.items if answers.get(item.key) is True))


# -- PSFS: 3-5 activities the client names, each rated 0 (unable) to 10 (as before). -----
# The score is the mean of the activities rated; an activity left unrated is left out of
# the mean (not counted as 0), and with no activity rated there is no score.
PSFS_MIN_ACTIVITIES, PSFS_MAX_ACTIVITIES = 3, 5


def _psfs_keys(answers: Mapping[str, Any]) -> list[str]:
    return sorted(answers, key=lambda k: int(k[1:]) if k[1:].isdigit() else 99)


def _clean_psfs(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    keys = [f"a{n}" for n in range(1, PSFS_MAX_ACTIVITIES + 1)]
    if set(answers) - set(keys):
        raise ValidationError(UNKNOWN_ITEM, code="unknown_item")
    cleaned: dict[str, Any] = {}
    for key in keys:
        entry = answers.get(key) or {}
        name = str(entry.get("activity", "") or "").strip()
        rating = entry.get("rating")
        rating = None if rating in (None, "") else _whole(rating, 0, 10)
        if len(name) > 120:
            raise ValidationError(PSFS_ACTIVITY_NAME, code="activity_name")
        if not name:
            if rating is not None:
                raise ValidationError(PSFS_ACTIVITY_UNNAMED, code="activity_unnamed")
            continue
        cleaned[key] = {"activity": name, "rating": rating}
    if not PSFS_MIN_ACTIVITIES <= len(cleaned) <= PSFS_MAX_ACTIVITIES:
        raise ValidationError(PSFS_ACTIVITY_COUNT, code="activity_count")
    return cleaned


def _score_psfs(instrument: Instrument, answers: dict[str, Any]) -> Decimal | None:
    ratings = [entry["rating"] for entry in answers.values() if entry["rating"] is not None]
    if not ratings:
        return None
    return (Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.01"), ROUND_HALF_UP)


_CLEANERS = {NPRS: _clean_nprs, RMDQ: _clean_rmdq, PSFS: _clean_psfs}
_SCORERS = {NPRS: _score_nprs, RMDQ: _score_rmdq, PSFS: _score_psfs}

# The Roland-Morris statements, each restated in our own words with the original's meaning
# and its "because of my back" qualifier (the authors' form may be used freely; keeping
# our own wording lets the clinic swap in the printed form as a new version).
_RMDQ_STATEMENTS = (
    "Because of my back, I spend most of the day at home.",
    "I keep shifting position to try to get my back comfortable.",
    "Because of my back, I walk more slowly than I normally do.",
    "Because of my back, I am not doing any of my usual household jobs.",
    "Because of my back, I hold on to a handrail to go up stairs.",
    "Because of my back, I lie down to rest more often than usual.",
    "Because of my back, I need to hold on to something to get up from a soft chair.",
    "Because of my back, I ask other people to do things for me.",
    "Because of my back, I get dressed more slowly than usual.",
    "Because of my back, I can only stand for short periods.",
    "Because of my back, I avoid bending or kneeling.",
    "Because of my back, getting up from a chair is hard for me.",
    "My back hurts nearly all the time.",
    "Because of my back, turning over in bed is hard for me.",
    "Because of my back pain, I have less appetite than usual.",
    "Because of my back pain, putting on socks or stockings is hard for me.",
    "Because of my back, I only walk short distances.",
    "Because of my back, I sleep less well.",
    "Because of my back pain, someone else helps me get dressed.",
    "Because of my back, I sit down for most of the day.",
    "Because of my back, I avoid heavy jobs around the house.",
    "Because of my back pain, I am more irritable and short-tempered with people than usual.",
    "Because of my back, I go up stairs more slowly than usual.",
    "Because of my back, I stay in bed most of the time.",
)

INSTRUMENTS: dict[str, Instrument] = {
    NPRS: Instrument(
        code=NPRS,
        version=1,
        title="Numeric Pain Rating Scale",
        short_title="Pain (0-10)",
        instructions=(
            "How bad has your pain been over the last 24 hours? 0 is no pain, 10 is the worst "
            "pain you can imagine."
        ),
        lower_is_better=True,
        score_min=0,
        score_max=10,
        mcid_points=Decimal(2),
        mcid_percent=None,
        items=(Item("pain", "Your pain over the last 24 hours, from 0 to 10"),),
        loinc="72514-3",
    ),
    RMDQ: Instrument(
        code=RMDQ,
        version=1,
        title="Roland-Morris Disability Questionnaire",
        short_title="Roland-Morris (0-24)",
        instructions=(
            "When your back hurts, some everyday things get harder. Tick each statement that "
            "describes you today. Leave it unticked if it does not."
        ),
        lower_is_better=True,
        score_min=0,
        score_max=24,
        mcid_points=Decimal(5),
        mcid_percent=Decimal(30),
        items=tuple(Item(f"q{n}", text) for n, text in enumerate(_RMDQ_STATEMENTS, start=1)),
    ),
    PSFS: Instrument(
        code=PSFS,
        version=1,
        title="Patient-Specific Functional Scale",
        short_title="Activities (0-10)",
        instructions=(
            "Name 3 to 5 important activities that your problem makes hard to do, and rate how "
            "well you can do each today: 0 means you cannot do it at all, 10 means you can do "
            "it as well as before the problem."
        ),
        lower_is_better=False,
        score_min=0,
        score_max=10,
        mcid_points=Decimal(2),
        mcid_percent=None,
    ),
}

CHOICES = [(code, instrument.title) for code, instrument in INSTRUMENTS.items()]


def get_instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise ValidationError(UNKNOWN_INSTRUMENT, code="unknown_instrument") from None
