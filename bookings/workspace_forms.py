"""Forms of the staff workspace (admin pages)."""

from __future__ import annotations

from datetime import time

from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password

from bookings.models import Weekday
from clinic.models import colour_validator
from treatments.models import TreatmentType

BREAK_INVALID = "The break must lie inside the working hours."
END_BEFORE_START = "The end must be after the start."
HALF_DAY = "Give both a start and an end, or neither."
USERNAME_TAKEN = "That username is already taken."


class CancelReasonForm(forms.Form):
    reason = forms.CharField(max_length=240, label="Reason for cancelling")
    by_client = forms.BooleanField(
        required=False,
        label="The client asked to cancel",
        help_text="Inside the cancellation window this counts as a late cancellation.",
    )
    notify_client = forms.BooleanField(
        required=False,
        initial=True,
        label="Tell the client",
        help_text="Email the client that the appointment is cancelled.",
    )


TODAY_ANSWER_REQUIRED = "Ask the client and choose yes or no."


class CheckInForm(forms.Form):
    """The questions about how the client is today, asked at check-in: each a plain yes or
    no the client gives now, none chosen in advance."""

    def __init__(self, *args, questions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.codes = [q.code for q in questions]
        for q in questions:
            self.fields[f"today_{q.code}"] = forms.ChoiceField(
                label=q.question,
                choices=[("yes", "Yes"), ("no", "No")],
                widget=forms.RadioSelect,
                error_messages={"required": TODAY_ANSWER_REQUIRED},
            )

    def answers(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"today_{code}"] for code in self.codes}


class TherapistOnboardForm(forms.Form):
    """User, therapist profile, treatments offered and weekly hours on one screen."""

    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    display_name = forms.CharField(max_length=120)
    registration_number = forms.CharField(max_length=40, required=False)
    calendar_colour = forms.CharField(max_length=7, initial="#3a7bd5", validators=[colour_validator])
    bio = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    treatments = forms.ModelMultipleChoiceField(
        queryset=TreatmentType.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Treatments offered",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for day in Weekday:
            key = day.name.lower()
            for part, label in (("start", "start"), ("end", "end"), ("break_start", "break from"), ("break_end", "break to")):
                self.fields[f"{key}_{part}"] = forms.TimeField(
                    required=False,
                    label=f"{day.label} {label}",
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                )

    def day_rows(self):
        for day in Weekday:
            key = day.name.lower()
            yield day.label, [self[f"{key}_{p}"] for p in ("start", "end", "break_start", "break_end")]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(USERNAME_TAKEN)
        return username

    def clean(self):
        data = super().clean()
        for day in Weekday:
            key = day.name.lower()
            start, end = data.get(f"{key}_start"), data.get(f"{key}_end")
            b_start, b_end = data.get(f"{key}_break_start"), data.get(f"{key}_break_end")
            if (start is None) != (end is None):
                self.add_error(f"{key}_end", HALF_DAY)
                continue
            if start and end <= start:
                self.add_error(f"{key}_end", END_BEFORE_START)
                continue
            if (b_start is None) != (b_end is None):
                self.add_error(f"{key}_break_end", HALF_DAY)
            elif b_start and not (start and start < b_start < b_end < end):
                self.add_error(f"{key}_break_end", BREAK_INVALID)
        if data.get("password"):
            user = User(username=data.get("username", ""), email=data.get("email", ""),
                        first_name=data.get("first_name", ""), last_name=data.get("last_name", ""))
            try:
                validate_password(data["password"], user)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data

    def weekly_hours(self) -> list[tuple[int, time, time]]:
        rows = []
        for day in Weekday:
            key = day.name.lower()
            start, end = self.cleaned_data.get(f"{key}_start"), self.cleaned_data.get(f"{key}_end")
            if not start:
                continue
            b_start, b_end = self.cleaned_data.get(f"{key}_break_start"), self.cleaned_data.get(f"{key}_break_end")
            if b_start:
                rows += [(day.value, start, b_start), (day.value, b_end, end)]
            else:
                rows.append((day.value, start, end))
        return rows

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "username": d["username"],
            "first_name": d["first_name"],
            "last_name": d["last_name"],
            "email": d["email"],
            "password": d["password"],
            "display_name": d["display_name"],
            "registration_number": d.get("registration_number", ""),
            "calendar_colour": d["calendar_colour"],
            "bio": d.get("bio", ""),
            "treatments": list(d.get("treatments") or []),
            "weekly_hours": self.weekly_hours(),
        }

