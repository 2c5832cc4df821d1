"""Client emails in the admin: the queue page (what waits, what failed, the upkeep
schedule) and "resend" for an email that failed, here and on its appointment.

Only kind, address, subject and status are shown: the stored message is never displayed
(it is emptied once sent), and the admin cannot add or edit an email."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from bookings.models import EmailDelivery, EmailStatus, UpkeepJob
from bookings.selectors.queue import queue_summary
from bookings.services.mail import email_resend

RESENT = "The email is queued again."


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to", "status", "attempts", "next_attempt_at", "sent_at", "appointment_link"]
    list_filter = ["status", "kind"]
    search_fields = ["to"]
    date_hierarchy = "created_at"
    list_select_related = ["appointment"]
    fields = ["kind", "to", "subject", "status", "attempts", "last_error", "created_at",
              "next_attempt_at", "sent_at", "appointment_link"]
    readonly_fields = fields
    actions = ["resend_selected"]
    change_list_template = "admin/bookings/emaildelivery/change_list.html"
    change_form_template = "admin/bookings/emaildelivery/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the history of what a client was sent stays

    @admin.display(description="Appointment")
    def appointment_link(self, obj: EmailDelivery) -> str:
        if obj.appointment_id is None:
            return "–"
        url = reverse("admin:bookings_appointment_change", args=[obj.appointment_id])
        return format_html('<a href="{}">{}</a>', url, obj.appointment.public_id if obj.appointment else "")

    def get_urls(self):
        return [
            path("<int:pk>/resend/", self.admin_site.admin_view(self.resend_view),
                 name="bookings_emaildelivery_resend"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "queue": queue_summary()}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description="Resend the selected failed emails", permissions=["change"])
    def resend_selected(self, request, queryset):
        done = 0
        for delivery in queryset.filter(status=EmailStatus.FAILED):
            email_resend(delivery=delivery)
            done += 1
        self.message_user(request, f"{done} email(s) queued again.", messages.SUCCESS)

    def resend_view(self, request: HttpRequest, pk: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        delivery = get_object_or_404(EmailDelivery, pk=pk)
        if not self.has_change_permission(request, delivery):
            raise PermissionDenied
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = reverse("admin:bookings_emaildelivery_change", args=[pk])
        try:
            email_resend(delivery=delivery)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, RESENT, messages.SUCCESS)
        return HttpResponseRedirect(next_url)


@admin.register(UpkeepJob)
class UpkeepJobAdmin(admin.ModelAdmin):
    list_display = ["name", "last_started_at", "last_finished_at", "last_ok", "last_result", "next_run_at"]
    readonly_fields = list_display + ["last_enqueued_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def appointment_emails(appointment) -> str:
    """The client emails of an appointment, for its admin page: failed ones are marked and
    link to their page, which has the Resend button."""
    rows = [
        format_html(
            "<li>{} – {}{}</li>",
            delivery.kind.replace("_", " "),
            delivery.get_status_display().lower(),
            format_html(
                ' <strong>after {} tries</strong> (<a href="{}">open to resend</a>)',
                delivery.attempts,
                reverse("admin:bookings_emaildelivery_change", args=[delivery.pk]),
            )
            if delivery.status == EmailStatus.FAILED
            else "",
        )
        for delivery in appointment.emails.order_by("created_at")
    ]
    if not rows:
        return "none"
    return format_html("<ul>{}</ul>", format_html_join("", "{}", ((row,) for row in rows)))
