"""Forms for charting a session note: SOAP fields, today's checklist, the body-map quick
picks and home-care sheets. Validation only; saving goes through bookings.services.notes."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator

from bookings.models import SessionNote
from bookings.selectors.notes import ChecklistRow
from treatments.models import AnswerValue, BodySite, HomeCareSheet

ANSWER_CHOICES = [
    (AnswerValue.YES, "Yes"),
    (AnswerValue.NO, "No"),
    (AnswerValue.NOT_ASKED, "Not asked"),
]


class SessionNoteForm(forms.ModelForm):
    pain_before = forms.IntegerField(
        label="Pain before (0-10)", required=False, min_value=0, validators=[MaxValueValidator(10)]
    )
    pain_after = forms.IntegerField(
        label="Pain after (0-10)", required=False, min_value=0, validators=[MaxValueValidator(10)]
    )
    sites_treated = forms.ModelMultipleChoiceField(
        queryset=BodySite.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Sites treated today (both sides; refine below)",
    )
    home_care_sheets = forms.ModelMultipleChoiceField(
        queryset=HomeCareSheet.objects.filter(active=True), required=False,
        widget=forms.CheckboxSelectMultiple, label="Home-care sheets to send",
    )

    class Meta:
        model = SessionNote
        fields = [
            "treated", "complaint", "onset", "pattern", "below_knee", "tingling_numbness",
            "aggravating", "easing", "goals", "observations", "palpation", "range_of_motion",
            "techniques", "treatment_minutes", "client_response", "assessment", "modification",
            "pain_before", "pain_after", "plan",
        ]

    def __init__(self, *args, checklist: list[ChecklistRow] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist_rows = checklist or []
        for row in self.checklist_rows:
            self.fields[f"ck_{row.code}"] = forms.ChoiceField(
                label=row.wording, choices=ANSWER_CHOICES, initial=row.answer,
                widget=forms.RadioSelect, required=False,
            )
            self.fields[f"ckr_{row.code}"] = forms.CharField(
                label=f"Remark on {row.code}", max_length=240, required=False, initial=row.remark
            )

    def checklist_bound(self):
        """(row, answer field, remark field) for the template."""
        return [(r, self[f"ck_{r.code}"], self[f"ckr_{r.code}"]) for r in self.checklist_rows]

    def checklist_answers(self) -> tuple[dict[str, str], dict[str, str]]:
        answers, remarks = {}, {}
        for row in self.checklist_rows:
            answers[row.code] = self.cleaned_data.get(f"ck_{row.code}") or row.answer
            remarks[row.code] = self.cleaned_data.get(f"ckr_{row.code}") or ""
        return answers, remarks


class AddendumForm(forms.Form):
    reason = forms.CharField(max_length=240, label="Reason for the addendum")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Addendum")
