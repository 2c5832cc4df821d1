"""The emailed link that confirms what was submitted with an online booking.

Opening the link (GET) only checks it; confirming is a POST, so mail scanners that
prefetch links cannot confirm for the client. The page names the booking (treatment and
time, as in the email) and nothing the clinic holds about the address: no stored name,
address or answers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.selectors.availability import clinic_zone
from bookings.services import submissions as service
from clinic.ratelimit import rate_limited


def _invalid(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "bookings/public/confirm_invalid.html", {"message": message}, status=410)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("manage")
def confirm_submission(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            service.submission_confirm_by_link(token=token)
        except ValidationError as exc:
            return _invalid(request, exc.messages[0])
        return redirect("bookings:book_confirmed")
    submission = service.submission_for_token(token=token)
    if submission is None:
        return _invalid(request, service.CONFIRM_LINK_INVALID)
    appointment = submission.booking.appointment
    return render(
        request,
        "bookings/public/confirm.html",
        {
            "token": token,
            "treatment": appointment.treatment_type.name,
            "starts_at": timezone.localtime(appointment.starts_at, clinic_zone()),
        },
    )


@never_cache
def confirmed(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/public/confirmed.html")
