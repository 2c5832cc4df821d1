"""The client's page (appointments, health record links, progress, "book for this client")
and the health-record admins of `treatments`, registered here so they all use the one
visibility rule and the access log.

Front desk sees contact data and appointments; the clinical parts appear only for users
the rule lets read this client's record."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone

from bookings.admin.access import AccessLogged
from bookings.models import Appointment
from bookings.models.notes import AccessAction
from bookings.selectors.notes import RECENT_VISITS, progress_for_client
from bookings.selectors.plans import charts, client_series
from bookings.selectors.visibility import (
    can_read_client_record,
    clinical_scope,
    may_break_the_glass,
)
from bookings.services.appointments import upcoming_screening_refresh
from bookings.services.notes import access_record, client_ip
from bookings.services.privacy import client_export
from bookings.views.privacy import export_response
from clinic.admin import ClientAdmin as BaseClientAdmin
from clinic.models import Client
from clinic.roles import is_manager
from treatments import admin as treatments_admin
from treatments.models import Consent, HealthIntake, HealthRecordChange, MedicalClearance


class VisibilityRuleMixin:
    """get_queryset through bookings.selectors.visibility.clinical_scope."""

    client_lookup = "client"

    def get_queryset(self, request):
        return clinical_scope(super().get_queryset(request), request.user, client_lookup=self.client_lookup)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # A record out of scope is not there: 404 on its change, history and delete views,
        # rather than Django's redirect with a "perhaps it was deleted" message.
        raise Http404("No such record.")


@admin.register(HealthIntake)
class HealthIntakeAdmin(AccessLogged, VisibilityRuleMixin, treatments_admin.HealthIntakeAdmin):
    def change_view(self, request, object_id, form_url="", extra_context=None):
        # No model permission (front desk): 403 as before; out of the rule's scope: 404.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        intake = self.get_object(request, object_id)
        if intake is None:
            raise Http404("No such health intake.")
        if request.method == "POST":
            access_record(
                user=request.user, action=AccessAction.CHANGE, obj=intake, client=intake.client,
                ip=client_ip(request),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Answers and consents changed: the schedule's flags follow.
        upcoming_screening_refresh(client=form.instance.client)


@admin.register(Consent)
class ConsentAdmin(AccessLogged, VisibilityRuleMixin, treatments_admin.ConsentAdmin):
    client_lookup = "intake__client"
    client_path = "intake.client"
    client_filter = "intake__client__id__exact"

    @admin.action(description="Withdraw the selected consents now")
    def withdraw(self, request, queryset):
        clients = {c.intake.client for c in queryset.filter(withdrawn_at=None).select_related("intake__client")}
        super().withdraw(request, queryset)
        for client in clients:
            upcoming_screening_refresh(client=client)


@admin.register(MedicalClearance)
class MedicalClearanceAdmin(AccessLogged, VisibilityRuleMixin, treatments_admin.MedicalClearanceAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            upcoming_screening_refresh(client=obj.client)


@admin.register(HealthRecordChange)
class HealthRecordChangeAdmin(AccessLogged, VisibilityRuleMixin, treatments_admin.HealthRecordChangeAdmin):
    pass



@admin.register(Client)
class ClientAdmin(BaseClientAdmin):
    change_form_template = "admin/clinic/client/change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="clinic_client_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request, object_id):
        """The client's own copy (right of access): the manager produces it, on a POST."""
        if not is_manager(request.user):
            raise PermissionDenied
        client = self.get_object(request, object_id)
        if client is None:
            raise Http404("No such client.")
        if request.method != "POST":
            return redirect("admin:clinic_client_change", client.pk)
        archive = client_export(client=client, by=request.user, ip=client_ip(request))
        return export_response(archive, client)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        client = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if client is not None:
            extra.update(self._client_context(request, client))
        return super().change_view(request, object_id, form_url, extra)

    def _client_context(self, request, client: Client) -> dict:
        now = timezone.now()
        appointments = list(
            Appointment.objects.filter(client=client)
            .select_related("therapist", "treatment_type")
            .order_by("-starts_at")[:60]
        )
        book_url = f"{reverse('admin:bookings_appointment_add')}?client={client.pk}"
        context = {
            "book_url": book_url,
            "export_url": reverse("admin:clinic_client_export", args=[client.pk]) if is_manager(request.user) else "",
            "upcoming": sorted((a for a in appointments if a.starts_at >= now), key=lambda a: a.starts_at),
            "past": [a for a in appointments if a.starts_at < now][:20],
            "clinical": False,
            "break_glass_url": "",
        }
        if may_break_the_glass(request.user) and not can_read_client_record(request.user, client):
            context["break_glass_url"] = f"{reverse('admin:bookings_emergencyaccess_add')}?client={client.pk}"
        elif can_read_client_record(request.user, client):
            intake = HealthIntake.objects.filter(client=client).only("pk").first()
            context.update(
                clinical=True,
                intake=intake,
                progress=progress_for_client(
                    client, last=None if request.GET.get("visits") == "all" else RECENT_VISITS
                ),
                outcome_charts=charts(client_series(client), prefix="client"),
            )
            access_record(
                user=request.user, action=AccessAction.VIEW, obj=client, client=client,
                ip=client_ip(request),
            )
        return context
