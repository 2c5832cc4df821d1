"""The staff form for a treatment plan, and the choices for occurrences that collide."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone

from bookings.models import Weekday
from bookings.models.plans import MAX_SESSIONS
from bookings.services.plans import Occurrence, PlanSpec
from clinic.models import Client, Therapist
from treatments.models import TreatmentOption
from treatments.outcomes import CHOICES as INSTRUMENT_CHOICES

SKIP = "skip"
COLLECT_AT_INVALID = "List session numbers separated by commas, for example 1, 4, 8."
CHOICE_REQUIRED = "Choose another time for this session, or skip it."


class PlanForm(forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.order_by("last_name", "first_name"))
    therapist = forms.ModelChoiceField(queryset=Therapist.objects.filter(active=True))
    option = forms.ModelChoiceField(
        label="Treatment and length",
        queryset=TreatmentOption.objects.filter(active=True, treatment_type__active=True)
        .select_related("treatment_type")
        .order_by("treatment_type__name", "duration_minutes"),
    )
    goal = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    sessions = forms.IntegerField(label="Number of sessions", min_value=1, max_value=MAX_SESSIONS, initial=8)
    interval_days = forms.IntegerField(
        label="Interval (days)", min_value=1, max_value=60, initial=7, help_text="7 for weekly."
    )
    weekday = forms.TypedChoiceField(label="Preferred weekday", choices=Weekday.choices, coerce=int)
    start_time = forms.TimeField(label="Preferred time", widget=forms.TimeInput(attrs={"type": "time"}))
    first_date = forms.DateField(
        label="Starting from", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The first session is on the preferred weekday on or after this date.",
    )
    measures = forms.MultipleChoiceField(
        label="Outcome measures to follow", choices=INSTRUMENT_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    collect_at = forms.CharField(
        label="Visits that collect the measures", required=False,
        help_text="Session numbers; empty for the first, every fourth and the last.",
    )
    accept_partial = forms.BooleanField(
        label="Book the plan without the sessions I skip", required=False
    )

    def clean_collect_at(self) -> tuple[int, ...]:
        raw = self.cleaned_data["collect_at"].replace(" ", "")
        if not raw:
            return ()
        try:
            return tuple(sorted({int(part) for part in raw.split(",") if part}))
        except ValueError:
            raise forms.ValidationError(COLLECT_AT_INVALID, code="collect_at") from None

    def spec(self) -> PlanSpec:
        data = self.cleaned_data
        return PlanSpec(
            client=data["client"],
            therapist=data["therapist"],
            option=data["option"],
            goal=data["goal"],
            sessions=data["sessions"],
            interval_days=data["interval_days"],
            weekday=data["weekday"],
            start_time=data["start_time"],
            first_date=data["first_date"],
            measures=tuple(data["measures"]),
            collect_at=data["collect_at"],
        )


def choice_field(occurrence: Occurrence) -> str:
    return f"choice_{occurrence.number}"


def posted_choices(data, numbers) -> dict[int, datetime | None]:
    """The therapist's choice per colliding occurrence: a time (ISO, aware) or skip.
    Anything unreadable is ignored, so that occurrence is shown again with its options."""
    choices: dict[int, datetime | None] = {}
    for number in numbers:
        value = data.get(f"choice_{number}", "")
        if value == SKIP:
            choices[number] = None
            continue
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            continue
        if timezone.is_aware(when):
            choices[number] = when
    return choices
