"""Forms for the public booking flow and the manage page. Thin: the services decide."""

from __future__ import annotations

import secrets

from django import forms

from bookings.services.online import (
    EMAIL_INVALID,
    GENERAL_CONSENT_REQUIRED,
    NAME_REQUIRED,
    PHONE_CHARS,
    PHONE_INVALID,
    POLICY_REQUIRED,
    SENSITIVE_CONSENT_REQUIRED,
)

CHOOSE_TREATMENT = "Please choose a treatment and length."
CHOOSE_THERAPIST = "Please choose a therapist, or “No preference”."
CHOOSE_TIME = "Please choose one of the times shown."
FLOW_STALE = (
    "This page was out of date (it belongs to another booking in progress). Please check "
    "the details below and confirm again."
)
ANSWER_YES_NO = "Please answer yes or no."
NO_PREFERENCE = "any"
YES_NO = [("yes", "Yes"), ("no", "No")]


def _radio(choices, label: str, required_message: str, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices,
        label=label,
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
        **kwargs,
    )


class TreatmentForm(forms.Form):
    def __init__(self, *args, options=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option"] = _radio(
            [
                (str(o.pk), f"{o.treatment_type.name}: {o.duration_minutes} minutes, ${o.price}")
                for o in options
            ],
            "Treatment and length",
            CHOOSE_TREATMENT,
        )


class TherapistForm(forms.Form):
    def __init__(self, *args, therapists=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["therapist"] = _radio(
            [(NO_PREFERENCE, "No preference: the first therapist free")]
            + [(str(t.pk), t.display_name) for t in therapists],
            "Therapist",
            CHOOSE_THERAPIST,
        )


class TimeForm(forms.Form):
    """The choice is validated against the times on the page (ISO starts)."""

    def __init__(self, *args, starts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"] = _radio([(s, s) for s in starts], "Day and time", CHOOSE_TIME)


class DetailsForm(forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=160,
        error_messages={"required": NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="We send your confirmation and your private link here.",
        error_messages={"required": EMAIL_INVALID, "invalid": EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Phone",
        max_length=32,
        help_text="In case we need to reach you about your appointment.",
        error_messages={"required": PHONE_INVALID},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    # Honeypot: hidden from people and screen readers (see the template); bots fill it.
    website = forms.CharField(required=False, label="Leave this empty")

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        digits = sum(c.isdigit() for c in phone)
        if not PHONE_CHARS.match(phone) or not 7 <= digits <= 15:
            raise forms.ValidationError(PHONE_INVALID)
        return phone

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())


class HealthForm(forms.Form):
    """Every red flag, then the items relevant to the treatment, as yes/no radios."""

    def __init__(self, *args, red_flags=(), relevant=(), sensitive_region: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.red_flag_names: list[str] = []
        self.relevant_names: list[str] = []
        for version in red_flags:
            self._question(version, self.red_flag_names)
        for version in relevant:
            self._question(version, self.relevant_names)
        self.fields["general_consent"] = forms.BooleanField(
            label="I agree to be treated. I understand the therapist will explain what they "
            "do, I can ask them to stop or change anything at any time, and I can withdraw "
            "this consent whenever I like.",
            error_messages={"required": GENERAL_CONSENT_REQUIRED},
        )
        self.sensitive_region = sensitive_region
        if sensitive_region:
            self.fields["sensitive_consent"] = forms.BooleanField(
                label="I agree to treatment of the buttock area. I understand it is done "
                "through a sheet or towel, only with my agreement, and that I can ask the "
                "therapist to stop at any time.",
                error_messages={"required": SENSITIVE_CONSENT_REQUIRED},
            )

    def _question(self, version, names: list[str]) -> None:
        name = f"q_{version.item.code}"
        self.fields[name] = _radio(YES_NO, version.question, ANSWER_YES_NO)
        names.append(name)

    @property
    def red_flag_fields(self):
        return [self[n] for n in self.red_flag_names]

    @property
    def relevant_fields(self):
        return [self[n] for n in self.relevant_names]

    def answers(self) -> dict[str, bool]:
        return {
            name[2:]: value == "yes"
            for name, value in self.cleaned_data.items()
            if name.startswith("q_")
        }


class ReviewForm(forms.Form):
    policy_accepted = forms.BooleanField(
        label="I have read and accept the cancellation policy.",
        error_messages={"required": POLICY_REQUIRED},
    )
    flow = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, alternatives=(), flow: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.session_flow = flow
        if alternatives:
            self.fields["start"] = _radio(
                [(s, s) for s in alternatives], "Choose another time", CHOOSE_TIME
            )


    def clean(self):
        cleaned = super().clean()
        # The token is bound to this browser's session: a form from another flow (or
        # someone else's token) is refused, never answered with that flow's booking.
        value = cleaned.get("flow") or ""
        if not self.session_flow or not secrets.compare_digest(value, self.session_flow):
            self.add_error(None, FLOW_STALE)
        return cleaned


class MoveForm(forms.Form):
    def __init__(self, *args, starts=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"] = _radio([(s, s) for s in starts], "New day and time", CHOOSE_TIME)
