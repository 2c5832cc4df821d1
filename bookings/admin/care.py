"""Break the glass in the admin: a therapist asks for emergency access with a written
reason (the add form); the manager lists every grant. Grants are never changed or
deleted: the access log and this list are the record of them."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import EmergencyAccess
from bookings.selectors.visibility import sees_all_clinical
from bookings.services.care import break_the_glass
from bookings.services.notes import client_ip


class BreakGlassForm(forms.ModelForm):
    request = None

    class Meta:
        model = EmergencyAccess
        fields = ["client", "reason"]
        help_texts = {
            "reason": "Why you need this client's record now. Access lasts a limited time "
            "and the clinic manager sees every request."
        }

    def _post_clean(self) -> None:
        if self.errors:
            return
        try:
            self.instance = break_the_glass(
                user=self.request.user,
                client=self.cleaned_data["client"],
                reason=self.cleaned_data["reason"],
                ip=client_ip(self.request),
            )
        except ValidationError as exc:
            self.add_error("reason" if hasattr(exc, "error_dict") else None, exc)


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(admin.ModelAdmin):
    list_display = ["granted_at", "user", "client", "expires_at", "active"]
    list_filter = ["user"]
    list_select_related = ["user", "client"]
    date_hierarchy = "granted_at"
    autocomplete_fields = ["client"]
    readonly_fields = ["user", "client", "reason", "granted_at", "expires_at"]

    @admin.display(boolean=True, description="Active now")
    def active(self, obj: EmergencyAccess) -> bool:
        return obj.expires_at > timezone.now()

    def get_queryset(self, request):
        # The manager's list of every grant; a therapist sees their own.
        queryset = super().get_queryset(request)
        return queryset if sees_all_clinical(request.user) else queryset.filter(user=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = type("BreakGlassForm", (BreakGlassForm,), {"request": request})
            kwargs["fields"] = BreakGlassForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return BreakGlassForm.Meta.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_changeform_initial_data(self, request):
        return {"client": request.GET.get("client")}

    def save_model(self, request, obj, form, change) -> None:
        """Nothing to do: the form's service call has already saved the grant."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
