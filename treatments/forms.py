"""Forms for clinical safety used by the admin: the catalogue editor and the consent
inline."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from treatments.models import (
    VERSION_FIELDS,
    VERSION_M2M,
    ContraindicationItem,
    ContraindicationVersion,
)

CONSENT_ONLY_WITHDRAWAL = (
    "A recorded consent cannot be changed, only withdrawn. Record a new consent instead."
)
CONSENT_WITHDRAWAL_FINAL = "A withdrawn consent stays withdrawn; record a new consent instead."


class ContraindicationItemForm(forms.ModelForm):
    """Edits an item and the content of its current version. Saving through
    `services.catalogue_item_revise` turns any content change into a new version."""

    class Meta:
        model = ContraindicationItem
        fields = ["code", "active", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.current_version if self.instance.pk else None
        if current is not None:
            for name in VERSION_FIELDS:
                self.initial.setdefault(name, getattr(current, name))
            self.initial.setdefault("treatment_types", list(current.treatment_types.all()))
            self.initial.setdefault("body_sites", list(current.body_sites.all()))

    def clean(self):
        cleaned = super().clean()
        draft = ContraindicationVersion(
            version=1, **{f: cleaned.get(f) for f in VERSION_FIELDS if f in cleaned}
        )
        try:
            draft.full_clean(exclude=["item", "version", "created_by", "created_at"])
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned

    def version_content(self) -> dict:
        return {f: self.cleaned_data[f] for f in (*VERSION_FIELDS, *VERSION_M2M)}


# Declared after the class so the version's fields (labels, choices, help texts) come from
# the model and the admin can list them like the item's own fields.
_version_form_fields = forms.fields_for_model(
    ContraindicationVersion, fields=[*VERSION_FIELDS, *VERSION_M2M]
)
ContraindicationItemForm.base_fields.update(_version_form_fields)
ContraindicationItemForm.declared_fields.update(_version_form_fields)


class ConsentInlineFormSet(forms.BaseInlineFormSet):
    """A recorded consent is evidence: it can be withdrawn, never rewritten."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.instance.pk or not form.has_changed():
                continue
            if set(form.changed_data) != {"withdrawn_at"}:
                form.add_error(None, CONSENT_ONLY_WITHDRAWAL)
            elif form.initial.get("withdrawn_at") is not None:
                form.add_error("withdrawn_at", CONSENT_WITHDRAWAL_FINAL)
