"""Staff views for session notes: the printable note."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bookings.models.notes import AccessAction
from bookings.selectors.availability import clinic_zone
from bookings.selectors.signatures import addenda_of, signatory_of, signature_of
from bookings.selectors.visibility import notes_visible_to
from bookings.services.notes import access_record, client_ip


@never_cache
@require_GET
@staff_member_required
def note_print(request, public_id):
    """A printable note on the clinic's letterhead: client and date of birth, labelled
    sections, the signature (name, registration, time) and addenda. Out of scope answers
    404; every print is logged."""
    note = get_object_or_404(
        notes_visible_to(request.user).select_related(
            "appointment__treatment_type", "client", "therapist__user", "signed_by__therapist"
        ),
        public_id=public_id,
    )
    access_record(
        user=request.user, action=AccessAction.PRINT, obj=note, client=note.client,
        ip=client_ip(request),
    )
    context = {
        "note": note,
        "starts_at": note.appointment.starts_at.astimezone(clinic_zone()),
        "therapist": signatory_of(note.therapist.user),
        "signature": signature_of(note),
        "checklist": list(note.checklist.all()),
        "body_map": list(note.body_map.select_related("site")),
        "referrals": list(note.referrals.all()),
        "addenda": addenda_of(note),
        "home_care": list(note.home_care.select_related("sheet")),
    }
    return render(request, "bookings/notes/print.html", context)
