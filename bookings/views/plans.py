"""Portal pages for outcome measures: the signed-in client answers a questionnaire before
one of their plan's collection visits, and sees a submitted one read-only afterwards."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.models import Appointment, OutcomeResponse, ResponseSource
from bookings.outcome_forms import MeasureForm
from bookings.portal_session import portal_client
from bookings.selectors.plans import due_for_appointment, plan_activities, response_lines
from bookings.services.outcomes import outcome_submit
from treatments.outcomes import INSTRUMENTS


@never_cache
@require_http_methods(["GET", "POST"])
def portal_measure(request: HttpRequest, public_id, instrument: str) -> HttpResponse:
    client = portal_client(request)
    if client is None:
        return redirect("bookings:portal")
    measure = INSTRUMENTS.get(instrument)
    if measure is None:
        raise Http404
    # Only the client's own appointments exist here; anyone else's is a 404.
    appointment = get_object_or_404(
        Appointment.objects.select_related("plan_session__plan", "treatment_type"),
        public_id=public_id, client=client,
    )
    answered = OutcomeResponse.objects.filter(appointment=appointment, instrument=instrument).first()
    if answered is not None:
        return render(
            request,
            "bookings/portal/measure_answered.html",
            {
                "measure": measure,
                "response": answered,
                "appointment": appointment,
                "answers": response_lines(answered),
            },
        )
    due = due_for_appointment(client=client, appointment=appointment)
    if due is None or measure not in due.instruments:
        raise Http404
    form = MeasureForm(
        request.POST or None, instrument=measure, activities=plan_activities(due.plan)
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome_submit(
                client=client,
                appointment=appointment,
                instrument=instrument,
                answers=form.answers(),
                source=ResponseSource.PORTAL,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("bookings:portal_measure", public_id=appointment.public_id, instrument=instrument)
    return render(
        request,
        "bookings/portal/measure.html",
        {"measure": measure, "form": form, "appointment": appointment, "session": due.session},
    )
