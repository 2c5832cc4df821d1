"""What a person submitted with an online booking enters a client's record only once it
is confirmed: by the emailed link (proof of control of the address) or by staff with the
client in front of them at check-in.

The link carries a 256-bit random token; only its SHA-256 hash is stored (as for the
portal's sign-in links), it works once (compare-and-swap on `confirmed_at`) and not after
the appointment has ended. Confirming writes through the health record's own services, so
every change lands in the record's history with who and when.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import ConfirmedVia, OnlineSubmission
from bookings.services.appointments import upcoming_screening_refresh
from bookings.services.portal import token_hash
from clinic.models import Client
from treatments import services as clinical
from treatments.models import ConsentKind, ConsentMethod
from treatments.screening import asked_at_booking
from treatments.selectors import catalogue_entries

CONFIRM_LINK_INVALID = (
    "This confirmation link has expired or has already been used. If you still need to "
    "confirm your details, the clinic will do it with you at your appointment."
)
ALREADY_CONFIRMED = "These details were already confirmed."
NO_SUBMISSION = "This appointment was not booked online: there is nothing to confirm."


def new_confirmation_token() -> tuple[str, str]:
    """A fresh token for the emailed link, and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def submission_for_token(*, token: str, now: datetime | None = None) -> OnlineSubmission | None:
    """The unconfirmed submission behind a live confirmation link (without using it)."""
    now = now or timezone.now()
    if not token or len(token) > 64:
        return None
    return (
        OnlineSubmission.objects.select_related(
            "booking__appointment__treatment_type", "booking__appointment__therapist"
        )
        .filter(token_hash=token_hash(token), confirmed_at__isnull=True, token_expires_at__gt=now)
        .first()
    )


def submission_confirm_by_link(*, token: str, now: datetime | None = None) -> OnlineSubmission:
    """The person followed the emailed link: what they submitted enters the record."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            OnlineSubmission.objects.select_for_update()
            .filter(token_hash=token_hash(token or ""), confirmed_at__isnull=True, token_expires_at__gt=now)
            .first()
        )
        if row is None:
            raise ValidationError(CONFIRM_LINK_INVALID, code="confirm_link_invalid")
        return _claim(row, via=ConfirmedVia.EMAIL, by=None, now=now)


def submission_confirm_by_staff(
    *, submission: OnlineSubmission, by, now: datetime | None = None
) -> OnlineSubmission:
    """Staff confirm, with the client present, that the submission is theirs."""
    now = now or timezone.now()
    with transaction.atomic():
        return _claim(submission, via=ConfirmedVia.STAFF, by=by, now=now)


def _claim(submission: OnlineSubmission, *, via: str, by, now: datetime) -> OnlineSubmission:
    # Compare-and-swap: two clicks (or a click and a check-in) apply the submission once.
    claimed = OnlineSubmission.objects.filter(pk=submission.pk, confirmed_at__isnull=True).update(
        token_hash=None, confirmed_at=now, confirmed_via=via, confirmed_by=by
    )
    if claimed != 1:
        raise ValidationError(ALREADY_CONFIRMED, code="already_confirmed")
    submission = OnlineSubmission.objects.select_related("booking__appointment").get(pk=submission.pk)
    _apply(submission, by=by, now=now)
    return submission


def _apply(submission: OnlineSubmission, *, by, now: datetime) -> None:
    """Write the confirmed submission into the client's record: contact details that
    differ, the answers, and the consents (given as of now: they count once confirmed)."""
    client = Client.objects.select_for_update().get(pk=submission.booking.appointment.client_id)
    changed = []
    if submission.name_differs:
        first, _, last = submission.name.partition(" ")
        client.first_name, client.last_name = first[:80], last.strip()[:80]
        changed += ["first_name", "last_name"]
    if submission.phone_differs:
        client.phone = submission.phone
        changed.append("phone")
    if changed:
        client.full_clean(validate_constraints=False)
        client.save(update_fields=changed)
    intake = clinical.intake_get_or_create(client=client, by=by, now=now)
    # An answer about the day of the visit given at booking says nothing about that day
    # (and recorded now it would count as asked for it): only the others enter the record.
    on_the_day = {e.code for e in catalogue_entries() if not asked_at_booking(e)}
    answers = {code: v for code, v in submission.answers.items() if code not in on_the_day}
    if answers:
        clinical.answers_record(intake=intake, answers=answers, by=by, now=now)
    if submission.general_consent:
        clinical.consent_give(
            client=client, kind=ConsentKind.GENERAL, method=ConsentMethod.ELECTRONIC, by=by, now=now
        )
    for region in submission.sensitive_consents:
        clinical.consent_give(
            client=client,
            kind=ConsentKind.SENSITIVE_AREA,
            region=region,
            method=ConsentMethod.ELECTRONIC,
            by=by,
            now=now,
        )
    # The record changed: every upcoming appointment's flags follow it.
    upcoming_screening_refresh(client=client, now=now)
