"""The admin's "what about the booked appointments?" step.

A diary change that strands booked appointments (time off, a closure, shorter hours, a
therapist or room deactivated) is saved by its service only with a decision for each one.
`AffectedAppointmentsAdmin` asks for them: when a save or delete affects appointments, it
answers with an intermediate page listing them (keep, move, cancel and tell the client),
carrying the original form along in hidden fields. Submitting it runs the service with the
decisions; a refused move shows the page again with the reason, and nothing is saved until
every decision has gone through (the admin's own transaction rolls everything back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from bookings.models import Appointment
from bookings.selectors.availability import clinic_zone
from bookings.services.schedule import Choice, Decision, Decisions
from clinic.models import Therapist

DECIDED = "_decided"
MOVE_WHERE = "Choose another therapist or a new start time to move this appointment."


class DecisionForm(forms.Form):
    choice = forms.ChoiceField(choices=Choice.choices, widget=forms.RadioSelect, label="What to do")
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(active=True),
        required=False,
        label="Move to therapist",
        help_text="Empty keeps the therapist.",
    )
    starts_at = forms.SplitDateTimeField(
        required=False, label="Move to (local time)", help_text="Empty keeps the time."
    )

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"appointment-{appointment.pk}", **kwargs)
        self.appointment = appointment

    def clean(self) -> dict:
        data = super().clean() or {}
        same_place = not (data.get("therapist") or data.get("starts_at"))
        # Moving to the same therapist and time is only useful for a room change.
        if data.get("choice") == Choice.MOVE and same_place and self.appointment.room_id is None:
            raise ValidationError(MOVE_WHERE, code="move_where")
        return data

    def decision(self) -> Decision:
        starts_at = self.cleaned_data.get("starts_at")
        if starts_at is not None:
            starts_at = starts_at.replace(tzinfo=clinic_zone()) if starts_at.tzinfo is None else starts_at
        return Decision(
            choice=self.cleaned_data["choice"],
            therapist=self.cleaned_data.get("therapist"),
            starts_at=starts_at,
        )


class _AskForDecisions(Exception):
    """Raised inside the admin's transaction so it rolls back, then answered with the page."""

    def __init__(self, forms: list[DecisionForm], problems: list[str]) -> None:
        super().__init__("decisions needed")
        self.forms = forms
        self.problems = problems


class AffectedAppointmentsAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves (and deletes) go through a service taking `decisions`."""

    decisions_template = "admin/bookings/affected_appointments.html"

    # What a save or a delete of `obj` would strand; each admin names its selector.
    def affected_by_save(self, obj: Any) -> list[Appointment]:
        raise NotImplementedError

    def affected_by_delete(self, obj: Any) -> list[Appointment]:
        return []

    def save_through_service(self, obj: Any, decisions: Decisions) -> None:
        raise NotImplementedError

    def delete_through_service(self, obj: Any, decisions: Decisions) -> None:
        raise NotImplementedError

    # -- the decisions -----------------------------------------------------------------------
    def _decisions(self, request: HttpRequest, affected: list[Appointment]) -> tuple[list[DecisionForm], Decisions]:
        data = request.POST if DECIDED in request.POST else None
        forms_ = [DecisionForm(data, appointment=a) for a in affected]
        if affected and (data is None or not all(f.is_valid() for f in forms_)):
            raise _AskForDecisions(forms_, [])
        return forms_, {f.appointment.pk: f.decision() for f in forms_}

    def _run(
        self,
        request: HttpRequest,
        obj: Any,
        affected_by: Callable[[Any], list[Appointment]],
        service: Callable[[Any, Decisions], None],
    ) -> None:
        forms_, decisions = self._decisions(request, affected_by(obj))
        try:
            service(obj, decisions)
        except ValidationError as exc:
            if exc.code == "decision_needed":
                # Booked meanwhile (the service's savepoint rolled back, so this reads the
                # diary as it is): ask again about the whole, current list.
                forms_ = [DecisionForm(appointment=a) for a in affected_by(obj)]
            raise _AskForDecisions(forms_, exc.messages) from exc

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self._run(request, obj, self.affected_by_save, self.save_through_service)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._run(request, obj, self.affected_by_delete, self.delete_through_service)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    # -- the page ----------------------------------------------------------------------------
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _AskForDecisions as ask:
            return self._ask(request, ask)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except _AskForDecisions as ask:
            return self._ask(request, ask)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except _AskForDecisions as ask:
            return self._ask(request, ask)

    def _ask(self, request: HttpRequest, ask: _AskForDecisions) -> HttpResponse:
        carried = [
            (name, value)
            for name, values in request.POST.lists()
            if name not in ("csrfmiddlewaretoken", DECIDED) and not name.startswith("appointment-")
            for value in values
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Booked appointments affected",
            "opts": self.opts,
            "forms": ask.forms,
            "problems": ask.problems,
            "carried": carried,
            "decided": DECIDED,
        }
        return TemplateResponse(request, self.decisions_template, context)
