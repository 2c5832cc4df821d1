"""Admin for treatment plans: book a plan, see its sessions, enter measures, see charts.

Adding a plan is a booking: the add page lays the occurrences out, lists those that
collide with the nearest free times, and saves nothing until the therapist has chosen
(`bookings.services.plans.plan_book`). A booked plan's page is read-only: its sessions
are appointments and move through the appointment pages. Every queryset comes from the
clinical visibility rule; the goal and scores never leave these pages.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from bookings import errors
from bookings.admin.access import AccessLogged
from bookings.models import (
    ATTENDED_STATUSES,
    AppointmentStatus,
    OutcomeResponse,
    ResponseSource,
    TreatmentPlan,
)
from bookings.models.plans import MAX_SESSIONS
from bookings.outcome_forms import MeasureForm
from bookings.plan_forms import SKIP, PlanForm, posted_choices
from bookings.selectors.plans import (
    charts,
    plan_activities,
    plan_progress,
    plan_series,
    plans_visible_to,
    response_lines,
)
from bookings.selectors.visibility import therapist_of
from bookings.services.outcomes import outcome_submit
from bookings.services.plans import PlanConflict, plan_book
from treatments.outcomes import INSTRUMENTS


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(AccessLogged, admin.ModelAdmin):
    list_display = ["client", "therapist", "treatment_type", "sessions", "attended", "remaining", "created_at"]
    list_filter = ["therapist", "treatment_type"]
    search_fields = ["client__first_name", "client__last_name", "client__email"]
    list_select_related = ["client", "therapist", "treatment_type"]
    date_hierarchy = "created_at"
    change_form_template = "admin/bookings/treatmentplan/change_form.html"
    readonly_fields = [
        "client", "therapist", "goal", "treatment_type", "option", "sessions", "interval_days",
        "weekday", "start_time", "first_date", "measures_followed", "collect_at", "created_at",
        "created_by",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return plans_visible_to(request.user).annotate(
            n_attended=Count(
                "plan_sessions",
                filter=Q(plan_sessions__appointment__status__in=ATTENDED_STATUSES),
            ),
            n_remaining=Count(
                "plan_sessions",
                filter=Q(plan_sessions__appointment__status__in=[
                    AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED,
                ]),
            ),
        )

    @admin.display(description="Outcome measures")
    def measures_followed(self, obj) -> str:
        return ", ".join(INSTRUMENTS[code].title for code in obj.measures) or "None"

    @admin.display(description="Attended", ordering="n_attended")
    def attended(self, obj) -> int:
        return obj.n_attended

    @admin.display(description="Remaining", ordering="n_remaining")
    def remaining(self, obj) -> int:
        return obj.n_remaining

    def has_change_permission(self, request, obj=None):
        # Booked plans are read-only here; viewing needs only the view permission.
        return False if obj is not None else super().has_change_permission(request, obj)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:plan_id>/sessions/<int:number>/measures/<slug:instrument>/",
                wrap(self.measure_view),
                name="bookings_treatmentplan_measure",
            ),
            *super().get_urls(),
        ]

    # -- booking a plan ------------------------------------------------------------------
    def add_view(self, request: HttpRequest, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"sessions": 8, "interval_days": 7}
        if therapist := therapist_of(request.user):
            initial["therapist"] = therapist.pk
        if client_id := request.GET.get("client", "").strip():
            initial["client"] = client_id if client_id.isdigit() else None
        form = PlanForm(request.POST or None, initial=initial)
        conflicts = []
        choices = posted_choices(request.POST, range(1, MAX_SESSIONS + 1))
        if request.method == "POST" and form.is_valid():
            spec = form.spec()
            try:
                plan = plan_book(
                    spec=spec,
                    choices=choices,
                    accept_partial=form.cleaned_data["accept_partial"],
                    by=request.user,
                )
            except PlanConflict as exc:
                conflicts = [o for o in exc.schedule if o.refusal]
                form.add_error(None, exc)
            except ValidationError as exc:
                for field, problems in errors.form_errors(exc, form.fields).items():
                    form.add_error(field, problems)
            else:
                messages.success(request, f"Booked {plan.sessions} sessions.")
                return HttpResponseRedirect(reverse("admin:bookings_treatmentplan_change", args=[plan.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Book a treatment plan",
            "opts": self.model._meta,
            "form": form,
            "conflicts": conflicts,
            # Choices already made for sessions that no longer collide ride along unseen.
            "chosen": {
                number: SKIP if when is None else when.isoformat()
                for number, when in choices.items()
                if number not in {o.number for o in conflicts}
            },
            "skip": SKIP,
        }
        return TemplateResponse(request, "admin/bookings/treatmentplan/book.html", context)

    # -- a booked plan -------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        plan = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if plan is not None:
            progress = plan_progress(plan)
            answered = {
                (r.appointment_id, r.instrument): r for r in plan.responses.all()
            }
            extra.update(
                progress=progress,
                rows=[
                    {
                        "session": s,
                        "collects": plan.collects_at(s.number),
                        "measures": [
                            (INSTRUMENTS[code], answered.get((s.appointment_id, code)))
                            for code in plan.measures
                        ],
                    }
                    for s in progress.sessions
                ],
                outcome_charts=charts(plan_series(plan), prefix=f"plan-{plan.pk}"),
            )
        return super().change_view(request, object_id, form_url, extra)

    def measure_view(self, request: HttpRequest, plan_id: int, number: int, instrument: str):
        """The therapist enters (or reads) one measure for one session of the plan."""
        plan = get_object_or_404(self.get_queryset(request), pk=plan_id)
        session = get_object_or_404(plan.plan_sessions.select_related("appointment"), number=number)
        measure = INSTRUMENTS.get(instrument)
        if measure is None or instrument not in plan.measures:
            raise Http404
        response = OutcomeResponse.objects.filter(
            appointment=session.appointment, instrument=instrument
        ).first()
        form = None
        if response is None:
            form = MeasureForm(request.POST or None, instrument=measure, activities=plan_activities(plan))
            if request.method == "POST" and form.is_valid():
                try:
                    outcome_submit(
                        client=plan.client,
                        appointment=session.appointment,
                        instrument=instrument,
                        answers=form.answers(),
                        source=ResponseSource.STAFF,
                        by=request.user,
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, f"{measure.title} saved for session {number}.")
                    return HttpResponseRedirect(reverse("admin:bookings_treatmentplan_change", args=[plan.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{measure.title}: session {number} of {plan.sessions}",
            "opts": self.model._meta,
            "plan": plan,
            "measure": measure,
            "form": form,
            "response": response,
            "answers": response_lines(response) if response else [],
        }
        return TemplateResponse(request, "admin/bookings/treatmentplan/measure.html", context)
