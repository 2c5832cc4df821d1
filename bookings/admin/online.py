"""What was submitted with an online booking, for the staff the visibility rule lets read
the client's record: the answers as given, the consents, and whether the name or phone
differ from the client the email matched. Read-only; confirming is an action on the
appointment (with the client present) or the client's own emailed link."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404
from django.utils.html import format_html_join

from bookings.admin.access import AccessLogged
from bookings.models import OnlineSubmission
from bookings.selectors.visibility import submissions_visible_to
from treatments.selectors import catalogue_current


@admin.register(OnlineSubmission)
class OnlineSubmissionAdmin(AccessLogged, admin.ModelAdmin):
    client_path = "booking.appointment.client"
    client_filter = "booking__appointment__client__id__exact"

    list_display = ["submitted_at", "appointment", "name_differs", "phone_differs", "confirmed_at", "confirmed_via"]
    list_filter = ["confirmed_via", "name_differs", "phone_differs"]
    list_select_related = ["booking__appointment__client", "booking__appointment__treatment_type"]
    date_hierarchy = "submitted_at"
    fields = [
        "appointment", "name", "email", "phone", "name_differs", "phone_differs",
        "answers_given", "general_consent", "sensitive_consents", "submitted_at",
        "confirmed_at", "confirmed_via", "confirmed_by",
    ]
    readonly_fields = fields

    @admin.display(description="Appointment")
    def appointment(self, obj: OnlineSubmission) -> str:
        return str(obj.booking.appointment)

    @admin.display(description="Health answers as given")
    def answers_given(self, obj: OnlineSubmission) -> str:
        questions = {v.item.code: v.question for v in catalogue_current()}
        return format_html_join(
            "", "<div>{}: <strong>{}</strong></div>",
            ((questions.get(code, code), "yes" if yes else "no") for code, yes in obj.answers.items()),
        )

    def get_queryset(self, request):
        return submissions_visible_to(request.user).select_related(*self.list_select_related)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self.get_object(request, object_id)
        if submission is None:
            raise Http404("No such submission.")
        return super().change_view(request, object_id, form_url, extra_context)
