"""The one visibility rule for clinical records, and who may change an appointment.

Access follows care:

- A clinic manager (the group, or a superuser) sees every record.
- A therapist sees the records of clients they have treated (an appointment with them
  checked in or completed), and of clients booked with them within the preparation window
  (`CARE_PREPARATION_HOURS` before the start, until it ends), provided the booking did not
  come from the therapist themselves: an appointment a therapist created or moved onto
  themselves, or an online booking whose details nobody has confirmed (anyone can type a
  client's email), grants nothing before check-in.
- Anything else is "break the glass": a written reason gives time-limited access
  (`bookings.services.care.break_the_glass`), logged and listed for the manager.
- Everyone else, the front desk included, sees nothing.

Every admin and view for session notes, their parts, the access log, online submissions
and the health record (intake, answers, consents, clearances, history) narrows its
queryset through here, so a record out of scope is missing from lists, search,
autocomplete, history and exports, and its change view answers 404.

Changing appointments: the front desk and managers change any; a therapist only their own
and never hands one to another therapist (`check_may_change`, called by every booking
service, so the admin, the API and the schedule obey alike).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings.models import (
    ATTENDED_STATUSES,
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    EmergencyAccess,
    OnlineSubmission,
    SessionNote,
    TreatmentPlan,
)
from clinic.models import Client, Therapist
from clinic.roles import FRONT_DESK, is_manager, user_roles

UPCOMING = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)

NOT_YOUR_APPOINTMENT = "Therapists can change only their own appointments; ask the front desk."
NO_REASSIGNING = (
    "Only the front desk or a manager can give an appointment to another therapist."
)
NOT_STAFF = "Only clinic staff can change appointments."


def therapist_of(user) -> Therapist | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.therapist
    except Therapist.DoesNotExist:
        return None


def sees_all_clinical(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and is_manager(user)


def preparation_window() -> timedelta:
    return timedelta(hours=settings.CARE_PREPARATION_HOURS)


def clients_in_care_of(therapist: Therapist, *, now: datetime | None = None) -> QuerySet[Client]:
    """Clients whose records `therapist` may read now (see the module docstring)."""
    now = now or timezone.now()
    treated = Appointment.objects.filter(therapist=therapist, status__in=ATTENDED_STATUSES)
    preparing = (
        Appointment.objects.filter(
            therapist=therapist,
            status__in=UPCOMING,
            starts_at__lte=now + preparation_window(),
            ends_at__gt=now,
        )
        .exclude(assigned_by_id=therapist.user_id)
        .exclude(
            Q(source=AppointmentSource.ONLINE)
            & ~Q(online_booking__submission__confirmed_at__isnull=False)
        )
    )
    glass = EmergencyAccess.objects.filter(user_id=therapist.user_id, expires_at__gt=now)
    return Client.objects.filter(
        Q(pk__in=treated.values("client_id"))
        | Q(pk__in=preparing.values("client_id"))
        | Q(pk__in=glass.values("client_id"))
    )


def clinical_scope(queryset: QuerySet, user, *, client_lookup: str = "client") -> QuerySet:
    """Narrow a queryset of clinical rows (reached from the client by `client_lookup`) to
    what `user` may see."""
    if sees_all_clinical(user):
        return queryset
    therapist = therapist_of(user)
    if therapist is None:
        return queryset.none()
    return queryset.filter(**{f"{client_lookup}__in": clients_in_care_of(therapist)})


def notes_visible_to(user) -> QuerySet[SessionNote]:
    """Notes `user` may read."""
    if sees_all_clinical(user):
        return SessionNote.objects.all()
    therapist = therapist_of(user)
    if therapist is None:
        return SessionNote.objects.none()
    return SessionNote.objects.filter(
        Q(therapist=therapist) | Q(client__in=clients_in_care_of(therapist))
    )


def notes_writable_by(user) -> QuerySet[SessionNote]:
    """Notes `user` may write while they are drafts: a therapist's own; a manager's all."""
    if sees_all_clinical(user):
        return SessionNote.objects.all()
    therapist = therapist_of(user)
    if therapist is None:
        return SessionNote.objects.none()
    return SessionNote.objects.filter(therapist=therapist)


def plans_visible_to(user) -> QuerySet[TreatmentPlan]:
    """Treatment plans: a therapist's own (like their notes: they wrote the goal), and
    those of clients in their care."""
    if sees_all_clinical(user):
        return TreatmentPlan.objects.all()
    therapist = therapist_of(user)
    if therapist is None:
        return TreatmentPlan.objects.none()
    return TreatmentPlan.objects.filter(
        Q(therapist=therapist) | Q(client__in=clients_in_care_of(therapist))
    )


def submissions_visible_to(user) -> QuerySet[OnlineSubmission]:
    """What was submitted with online bookings: the therapist of the booking sees what was
    typed for it (it is that booking's screening, not the client's record), as does anyone
    who may read the client's record."""
    submissions = OnlineSubmission.objects.all()
    if sees_all_clinical(user):
        return submissions
    therapist = therapist_of(user)
    if therapist is None:
        return submissions.none()
    return submissions.filter(
        Q(booking__appointment__therapist=therapist)
        | Q(booking__appointment__client__in=clients_in_care_of(therapist))
    )


def can_read_client_record(user, client: Client) -> bool:
    return clinical_scope(Client.objects.filter(pk=client.pk), user, client_lookup="pk").exists()


def may_break_the_glass(user) -> bool:
    """Therapists outside a client's care may ask for emergency access; managers need
    none and others get no clinical access at all."""
    return therapist_of(user) is not None and not sees_all_clinical(user)


def check_may_change(user, *, appointment: Appointment | None, therapist_id: int | None) -> None:
    """Raise unless `user` may change `appointment` (None: book a new one) so that its
    therapist is `therapist_id` (None: unchanged, or any free one when booking).

    `user=None` is the client themselves (online, manage link, portal) or the system:
    their own rules apply elsewhere."""
    if user is None:
        return
    if getattr(user, "is_superuser", False) or is_manager(user) or FRONT_DESK in user_roles(user):
        return
    therapist = therapist_of(user)
    if therapist is None:
        raise ValidationError(NOT_STAFF, code="not_staff")
    if appointment is not None and appointment.therapist_id != therapist.pk:
        raise ValidationError(NOT_YOUR_APPOINTMENT, code="not_your_appointment")
    if therapist_id != therapist.pk and (appointment is None or therapist_id is not None):
        raise ValidationError(NO_REASSIGNING, code="no_reassigning")
