"""The one visibility rule for clinical records.

- A clinic manager (the group, or a superuser) sees every record.
- A therapist sees the records of clients they have (or had) an appointment with that was
  not cancelled or missed: they read the past notes of clients they treat, and write only
  the notes of appointments they gave (`notes_writable_by`).
- Everyone else, the front desk included, sees nothing.

Every admin and view for session notes, their parts, the access log and the health record
(intake, answers, consents, clearances, history) narrows its queryset through here, so a
record out of scope is missing from lists, search, autocomplete, history and exports, and
its change view answers 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bookings.models import INACTIVE_STATUSES, Appointment, SessionNote
from clinic.models import Client, Therapist
from clinic.roles import is_manager


def therapist_of(user) -> Therapist | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.therapist
    except Therapist.DoesNotExist:
        return None


def sees_all_clinical(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and is_manager(user)


def clients_treated_by(therapist: Therapist) -> QuerySet[Client]:
    return Client.objects.filter(
        pk__in=Appointment.objects.filter(therapist=therapist)
        .exclude(status__in=INACTIVE_STATUSES)
        .values("client_id")
    )


def clinical_scope(queryset: QuerySet, user, *, client_lookup: str = "client") -> QuerySet:
    """Narrow a queryset of clinical rows (reached from the client by `client_lookup`) to
    what `user` may see."""
    if sees_all_clinical(user):
        return queryset
    therapist = therapist_of(user)
    if therapist is None:
        return queryset.none()
    return queryset.filter(**{f"{client_lookup}__in": clients_treated_by(therapist)})


def notes_visible_to(user) -> QuerySet[SessionNote]:
    """Notes `user` may read."""
    if sees_all_clinical(user):
        return SessionNote.objects.all()
    therapist = therapist_of(user)
    if therapist is None:
        return SessionNote.objects.none()
    return SessionNote.objects.filter(
        Q(therapist=therapist) | Q(client__in=clients_treated_by(therapist))
    )


def notes_writable_by(user) -> QuerySet[SessionNote]:
    """Notes `user` may write while they are drafts: a therapist's own; a manager's all."""
    if sees_all_clinical(user):
        return SessionNote.objects.all()
    therapist = therapist_of(user)
    if therapist is None:
        return SessionNote.objects.none()
    return SessionNote.objects.filter(therapist=therapist)


def can_read_client_record(user, client: Client) -> bool:
    return clinical_scope(Client.objects.filter(pk=client.pk), user, client_lookup="pk").exists()
