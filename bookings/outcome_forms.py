"""Forms for answering an outcome measure (the portal and the staff page share them).

Each instrument's form turns its fields into the raw answers `treatments.outcomes` scores;
the rules (ranges, missing items, 3-5 activities) stay in the instrument.
"""

from __future__ import annotations

from typing import Any

from django import forms

from treatments.outcomes import NPRS, PSFS, PSFS_MAX_ACTIVITIES, RMDQ, Instrument

RATINGS = [(str(n), str(n)) for n in range(11)]
NPRS_REQUIRED = "Choose a number from 0 to 10."


class MeasureForm(forms.Form):
    def __init__(self, *args, instrument: Instrument, activities: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        if instrument.code == NPRS:
            self.fields["pain"] = forms.ChoiceField(
                label=instrument.items[0].text,
                choices=RATINGS,
                widget=forms.RadioSelect,
                error_messages={"required": NPRS_REQUIRED},
            )
        elif instrument.code == RMDQ:
            for item in instrument.items:
                self.fields[item.key] = forms.BooleanField(label=item.text, required=False)
        elif instrument.code == PSFS:
            activities = activities or []
            for n in range(1, PSFS_MAX_ACTIVITIES + 1):
                named = activities[n - 1] if n <= len(activities) else ""
                self.fields[f"a{n}_activity"] = forms.CharField(
                    label=f"Activity {n}", max_length=120, required=False, initial=named,
                )
                self.fields[f"a{n}_rating"] = forms.ChoiceField(
                    label=f"How well can you do activity {n} today (0-10)?",
                    choices=[("", "–"), *RATINGS],
                    required=False,
                )

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.instrument.code == PSFS:
            return {
                f"a{n}": {"activity": data.get(f"a{n}_activity", ""), "rating": data.get(f"a{n}_rating")}
                for n in range(1, PSFS_MAX_ACTIVITIES + 1)
                if data.get(f"a{n}_activity") or data.get(f"a{n}_rating")
            }
        return dict(data)
