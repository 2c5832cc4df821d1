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
CHOOSE_THERAPIST = "Please choose a therapist, or “Any therapist”."
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
    """Each option is its own submit button; a treatment of a sensitive region also needs
    the consent for it ticked with the choice."""

    sensitive_consent = forms.BooleanField(
        required=False,
        label="I agree to treatment of the buttock area. I understand it is done through a "
        "sheet or towel, only with my agreement, and that I can ask the therapist to stop "
        "at any time.",
    )

    def __init__(self, *args, options=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.options = {str(o.pk): o for o in options}
        self.fields["option"] = _radio(
            [
                (str(o.pk), f"{o.treatment_type.name}: {o.duration_minutes} minutes, ${o.price}")
                for o in options
            ],
            "Treatment and length",
            CHOOSE_TREATMENT,
        )

    def clean(self):
        cleaned = super().clean()
        option = self.options.get(cleaned.get("option") or "")
        if (
            option
            and option.treatment_type.sensitive_region
            and not cleaned.get("sensitive_consent")
        ):
            self.add_error("sensitive_consent", SENSITIVE_CONSENT_REQUIRED)
        return cleaned

    @property
    def sensitive_regions(self) -> list[str]:
        """The region consented to with the option chosen (valid forms only)."""
        option = self.options[self.cleaned_data["option"]]
        region = option.treatment_type.sensitive_region
        return [region] if region and self.cleaned_data.get("sensitive_consent") else []


class TherapistForm(forms.Form):
    def __init__(self, *args, therapists=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["therapist"] = _radio(
            [(NO_PREFERENCE, "Any therapist")] + [(str(t.pk), t.display_name) for t in therapists],
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


RED_FLAGS_NONE = "none"
RED_FLAGS_SOME = "some"
CHOOSE_RED_FLAGS = (
    "Please choose “None of these apply to me” or “One or more of these applies to me”."
)
RED_FLAGS_NONE_BUT_YES = (
    "You chose “None of these apply to me” but answered yes to one of them. Please choose "
    "“One or more of these applies to me”, or change that answer to no."
)
RED_FLAGS_SOME_BUT_NO = (
    "You chose “One or more of these applies to me” but answered no to each of them. Please "
    "answer yes to the ones that apply, or choose “None of these apply to me”."
)
TICK_OR_NONE = "Please tick what applies to you, or tick “None of these apply to me”."
TICKED_AND_NONE = (
    "You ticked “None of these apply to me” and also ticked something that applies. Please "
    "untick one of them."
)
CHOOSE_SAME = "Please choose “Still true” or “Something has changed”."
SAME_BUT_CHANGED = (
    "You chose “Still true” but changed what is ticked. Please choose “Something has "
    "changed”, or put the ticks back as they were."
)
SAME = "same"
CHANGED = "changed"
# The plain groups the other health items are listed under, by item code. An item not
# named here (a new one added in the admin) is listed under the last group.
HEALTH_GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "Heart, blood and circulation",
        frozenset(
            {
                "ci-dvt",
                "ci-dvt-history",
                "ci-hypertension-uncontrolled",
                "ci-hypertension-controlled",
                "ci-acute-medical",
                "ci-bleeding",
                "ci-anticoagulant",
                "ci-varicose",
                "ci-aneurysm",
                "ci-lymphoedema",
            }
        ),
    ),
    (
        "Bones, joints, injuries and surgery",
        frozenset(
            {
                "ci-fracture",
                "ci-osteoporosis",
                "ci-recent-surgery",
                "ci-hip-replacement",
                "ci-acute-injury",
                "ci-inflammatory-flare",
                "ci-nerve-irritation",
            }
        ),
    ),
    (
        "Skin",
        frozenset(
            {"ci-contagious-skin", "ci-wound", "ci-undiagnosed-lump", "ci-lubricant-allergy"}
        ),
    ),
    ("Medicines, pregnancy and other conditions", frozenset()),
)


def health_groups(versions) -> list[tuple[str, list]]:
    """`versions` under the plain group each belongs to, in catalogue order; empty groups
    left out."""
    grouped: dict[str, list] = {name: [] for name, _ in HEALTH_GROUPS}
    fallback = HEALTH_GROUPS[-1][0]
    for version in versions:
        code = version.item.code
        name = next((name for name, codes in HEALTH_GROUPS if code in codes), fallback)
        grouped[name].append(version)
    return [(name, items) for name, items in grouped.items() if items]


class HealthForm(forms.Form):
    """The red flags as one block answered explicitly ("none of these", or yes/no to each),
    then the other items relevant to the treatment as "tick any that apply" with an
    explicit "none of these". A returning client signed in through the portal confirms
    their last answers to the other items instead (`last_answers`).

    `answers()` gives the same item code -> yes/no mapping whichever way was used, so what
    is stored and screened does not depend on how the client answered."""

    def __init__(
        self,
        *args,
        red_flags=(),
        relevant=(),
        last_answers: dict[str, bool] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.red_flag_versions = list(red_flags)
        self.relevant_versions = list(relevant)
        self.last_answers = last_answers
        self._answers: dict[str, bool] = {}
        if self.red_flag_versions:
            self.fields["red_flags"] = forms.ChoiceField(
                choices=[
                    (RED_FLAGS_NONE, "None of these apply to me"),
                    (RED_FLAGS_SOME, "One or more of these applies to me"),
                ],
                label="Do any of these apply to you now?",
                widget=forms.RadioSelect,
                required=False,
            )
        for version in self.red_flag_versions:
            self.fields[f"q_{version.item.code}"] = _radio(
                YES_NO, version.question, ANSWER_YES_NO, required=False
            )
        if self.relevant_versions:
            self.fields["conditions"] = forms.MultipleChoiceField(
                choices=[(v.item.code, v.question) for v in self.relevant_versions],
                label="Tick any that apply to you",
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
            self.fields["no_conditions"] = forms.BooleanField(
                label="None of these apply to me", required=False
            )
            if last_answers is not None:
                self.fields["same"] = forms.ChoiceField(
                    choices=[(SAME, "Still true"), (CHANGED, "Something has changed")],
                    label="Is this still true?",
                    widget=forms.RadioSelect,
                    required=False,
                )

    @classmethod
    def initial_from(cls, answers: dict[str, bool], red_flags, relevant) -> dict[str, object]:
        """The form's initial values for answers given before (back, reload)."""
        initial: dict[str, object] = {}
        rf_codes = [v.item.code for v in red_flags]
        if rf_codes and all(c in answers for c in rf_codes):
            some = any(answers[c] for c in rf_codes)
            initial["red_flags"] = RED_FLAGS_SOME if some else RED_FLAGS_NONE
            if some:
                initial |= {f"q_{c}": "yes" if answers[c] else "no" for c in rf_codes}
        codes = [v.item.code for v in relevant]
        if codes and all(c in answers for c in codes):
            initial["conditions"] = [c for c in codes if answers[c]]
            initial["no_conditions"] = not initial["conditions"]
        return initial

    def red_flag_fields(self):
        return [(v, self[f"q_{v.item.code}"]) for v in self.red_flag_versions]

    def groups(self) -> list[tuple[str, list]]:
        """(group name, [(version, checked)]) for the template."""
        ticked = set(self["conditions"].value() or ()) if "conditions" in self.fields else set()
        return [
            (name, [(v, v.item.code in ticked) for v in versions])
            for name, versions in health_groups(self.relevant_versions)
        ]

    def last_ticked(self) -> list:
        """The items the client said yes to last time (the "still true" summary)."""
        last = self.last_answers or {}
        return [v for v in self.relevant_versions if last.get(v.item.code)]

    def clean(self):
        cleaned = super().clean()
        self._answers = {}
        self._clean_red_flags(cleaned)
        if self.relevant_versions:
            self._clean_relevant(cleaned)
        return cleaned

    def _clean_red_flags(self, cleaned) -> None:
        codes = [v.item.code for v in self.red_flag_versions]
        given = {c: cleaned.get(f"q_{c}") or "" for c in codes}
        block = cleaned.get("red_flags")
        if not codes:
            return
        if block == RED_FLAGS_NONE:
            if "yes" in given.values():
                self.add_error("red_flags", RED_FLAGS_NONE_BUT_YES)
            else:
                self._answers |= {c: False for c in codes}
        elif block == RED_FLAGS_SOME:
            missing = [c for c, v in given.items() if not v]
            for code in missing:
                self.add_error(f"q_{code}", ANSWER_YES_NO)
            if not missing and "yes" not in given.values():
                self.add_error("red_flags", RED_FLAGS_SOME_BUT_NO)
            elif not missing:
                self._answers |= {c: v == "yes" for c, v in given.items()}
        elif all(given.values()):
            # Every one answered one by one (the page without JavaScript): explicit enough.
            self._answers |= {c: v == "yes" for c, v in given.items()}
        else:
            self.add_error("red_flags", CHOOSE_RED_FLAGS)

    def _clean_relevant(self, cleaned) -> None:
        codes = [v.item.code for v in self.relevant_versions]
        ticked = set(cleaned.get("conditions") or ())
        none = cleaned.get("no_conditions")
        if self.last_answers is not None:
            last = {c for c in codes if self.last_answers.get(c)}
            same = cleaned.get("same")
            if same == SAME:
                if ticked != last or (none and last):
                    self.add_error("same", SAME_BUT_CHANGED)
                else:
                    self._answers |= {c: c in last for c in codes}
                return
            if same != CHANGED:
                self.add_error("same", CHOOSE_SAME)
                return
        if ticked and none:
            self.add_error("no_conditions", TICKED_AND_NONE)
        elif not ticked and not none:
            self.add_error("conditions", TICK_OR_NONE)
        else:
            self._answers |= {c: c in ticked for c in codes}

    def answers(self) -> dict[str, bool]:
        """Item code -> True (applies) / False, for every item asked (valid forms only)."""
        return dict(self._answers)


class ReviewForm(forms.Form):
    general_consent = forms.BooleanField(
        label="I agree to be treated. I understand the therapist will explain what they "
        "do, I can ask them to stop or change anything at any time, and I can withdraw "
        "this consent whenever I like.",
        error_messages={"required": GENERAL_CONSENT_REQUIRED},
    )
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
