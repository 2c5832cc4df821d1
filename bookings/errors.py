"""Domain errors: one stable code per refusal, and the one table that routes codes.

Services raise `ValidationError(MESSAGE, code="code")` (or `refused(code)`, which looks the
message up). Entry points never look at the message text: the API asks `http_status()`
for the status of a refusal and `field_for()` for the request field it is about; a form asks
`form_errors()` which of its fields shows it. Rewording a message changes
neither. Add a new code to `ROUTES` next to its message constant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

SLOT_TAKEN = "That time has just been taken."
IN_THE_PAST = "That time has already passed."
TOO_SOON = "That time is too soon: appointments need more notice."
TOO_FAR_AHEAD = "That time is too far ahead to book yet."
CLINIC_CLOSED = "The clinic is closed that day."
OUTSIDE_HOURS = "The therapist is not working at that time."
OFF_GRID = "Choose one of the offered start times."
THERAPIST_AWAY = "The therapist is away at that time."
THERAPIST_DOES_NOT_OFFER = "That therapist does not offer this treatment."
NO_THERAPIST_FREE = "No therapist is free at that time."
NO_ROOM = "No treatment room is free at that time."
ROOM_UNAVAILABLE = "That room is not available."
TREATMENT_UNAVAILABLE = "That treatment option is not available."
NOT_BOOKABLE_ONLINE = "That treatment cannot be booked online; please call the clinic."
NAIVE_DATETIME = "The start time must include its time zone."
NOT_RESCHEDULABLE = "Only booked or confirmed appointments can be moved."
NOT_CANCELLABLE = "Only booked or confirmed appointments can be cancelled."
ALREADY_STARTED = "The appointment has already started; please call the clinic."
STATUS_NOT_ALLOWED = "An appointment cannot go from {from_status} to {to_status}."
STATUS_CHANGED = "The appointment was changed by someone else; reload and try again."
CLIENT_BUSY = (
    "The client already has an appointment then: {when} with {therapist}. "
    "Cancel or move that one first."
)
CHECK_IN_NOT_YET = "Check-in opens {opens} on the day of the appointment (it starts at {starts})."
CHECK_IN_OTHER_DAY = "Check-in is only possible on the day of the appointment."
NOT_STARTED_YET = "The appointment has not started yet (it starts at {starts})."


@dataclass(frozen=True, slots=True)
class Route:
    """Where a refusal goes: the HTTP status, the request/form field it is about (None for
    the whole request) and, for times that are not free, whether to offer the nearest
    free ones instead."""

    status: int
    field: str | None = None
    offer_other_times: bool = False


_TIME = Route(409, "start", offer_other_times=True)

# The one mapping from codes to HTTP statuses and form fields.
ROUTES: dict[str, Route] = {
    # A time that is not (or no longer) free: 409 with the nearest free times.
    "slot_taken": _TIME,
    "too_soon": _TIME,
    "too_far": _TIME,
    "clinic_closed": _TIME,
    "outside_hours": _TIME,
    "off_grid": _TIME,
    "therapist_away": _TIME,
    "no_therapist_free": _TIME,
    "no_room": _TIME,
    "room_unavailable": _TIME,
    # Bad input.
    "in_the_past": Route(400, "start"),
    "naive": Route(400, "start"),
    "therapist_does_not_offer": Route(400, "therapist"),
    "treatment_unavailable": Route(400, "option"),
    "not_online": Route(400, "option"),
    # The appointment's state forbids the change.
    "client_busy": Route(409, "start"),
    "not_reschedulable": Route(409),
    "not_cancellable": Route(409),
    "started": Route(409),
    "transition": Route(409, "status"),
    "stale": Route(409),
    "check_in_not_yet": Route(409, "status"),
    "check_in_other_day": Route(409, "status"),
    "not_started_yet": Route(409, "status"),
    "needs_clearance": Route(409, "status"),
    # Questions about the day of the visit, at check-in and on the note's checklist.
    "today_not_asked": Route(400, "today"),
    "today_yes_or_no": Route(400, "today"),
    "today_too_early": Route(409, "today"),
    "note_signed": Route(409),
    # Online booking's own checks (bookings.services.online).
    "screening_refused": Route(422, "screening"),
    "name_required": Route(400, "client.name"),
    "name_too_long": Route(400, "client.name"),
    "email_invalid": Route(400, "client.email"),
    "phone_invalid": Route(400, "client.phone"),
    "answers_missing": Route(400, "screening"),
    "answers_unknown": Route(400, "screening"),
    "answers_not_yes_no": Route(400, "screening"),
    "general_consent_required": Route(400, "consents.treatment"),
    "sensitive_consent_required": Route(400, "consents.sensitive_areas"),
    "sensitive_region_unknown": Route(400, "consents.sensitive_areas"),
    "policy_required": Route(400, "policy_accepted"),
    "idempotency_key_reused": Route(422),
    # Who may act (bookings.selectors.visibility, notes, care): not allowed, whatever the time.
    "not_your_appointment": Route(403),
    "no_reassigning": Route(403, "therapist"),
    "not_staff": Route(403),
    "not_yours": Route(403),
    "not_allowed": Route(403),
    "glass_not_allowed": Route(403),
    # The session gate (bookings.selectors.screening): the session may not start yet.
    "needs_consent": Route(409, "status"),
    "red_flags_unanswered": Route(409, "status"),
    "today_unanswered": Route(409, "today"),
    "not_today": Route(409, "status"),
    # Charting (bookings.services.notes): the note's state or content forbids it.
    "signed": Route(409),
    "draft": Route(409),
    "checklist_missing": Route(400),
    "referral_required": Route(400),
    "modification_required": Route(400),
    "reason_required": Route(400, "reason"),
    # Links sent to clients, and their answers.
    "link_invalid": Route(404),
    "confirm_link_invalid": Route(404),
    "already_confirmed": Route(409),
    "already_answered": Route(409),
    "not_due": Route(409),
    # Schedule changes that strand booked appointments: staff must decide for each.
    "decision_needed": Route(409),
    # Treatment plans (bookings.services.plans).
    "plan_conflicts": Route(409),
    "plan_sessions": Route(400, "sessions"),
    "plan_interval": Route(400, "interval_days"),
    "plan_measures": Route(400, "measures"),
    "plan_therapist": Route(400, "therapist"),
    "plan_empty": Route(409),
    "plan_partial": Route(409),
    "plan_collect_at": Route(400, "collect_at"),
    "not_in_plan": Route(409),
    "not_a_plan_measure": Route(400, "instrument"),
    # Charting's other refusals.
    "not_author": Route(403),
    "not_held": Route(409),
    "exists": Route(409),
    "bad_answer": Route(400),
    "append_only": Route(409),
    "no_email": Route(409),
    "nothing": Route(400),
    # Operations: the mail queue and reminder settings.
    "not_failed": Route(409),
    "window": Route(400, "window"),
    "invalid": Route(400),
}
UNKNOWN = Route(400)

# Messages of the codes `refused()` raises without parameters.
MESSAGES: dict[str, str] = {
    "slot_taken": SLOT_TAKEN,
    "in_the_past": IN_THE_PAST,
    "too_soon": TOO_SOON,
    "too_far": TOO_FAR_AHEAD,
    "clinic_closed": CLINIC_CLOSED,
    "outside_hours": OUTSIDE_HOURS,
    "off_grid": OFF_GRID,
    "therapist_away": THERAPIST_AWAY,
    "therapist_does_not_offer": THERAPIST_DOES_NOT_OFFER,
    "no_therapist_free": NO_THERAPIST_FREE,
    "no_room": NO_ROOM,
    "room_unavailable": ROOM_UNAVAILABLE,
    "treatment_unavailable": TREATMENT_UNAVAILABLE,
    "not_online": NOT_BOOKABLE_ONLINE,
    "naive": NAIVE_DATETIME,
    "not_reschedulable": NOT_RESCHEDULABLE,
    "not_cancellable": NOT_CANCELLABLE,
    "started": ALREADY_STARTED,
    "stale": STATUS_CHANGED,
    "check_in_other_day": CHECK_IN_OTHER_DAY,
}


def refused(code: str) -> ValidationError:
    """The domain error for `code`, with its message."""
    return ValidationError(MESSAGES[code], code=code)


def route(code: str | None) -> Route:
    return ROUTES.get(code or "", UNKNOWN)


def codes(exc: ValidationError) -> list[str]:
    """Every code in the error, in order (empty strings for errors without one)."""
    return [e.code or "" for _, e in _leaves(exc)]


def first_code(exc: ValidationError) -> str | None:
    return next((e.code for _, e in _leaves(exc) if e.code), None)


def http_status(exc: ValidationError) -> int:
    """The API status of a refusal: the status of its first coded error."""
    return route(first_code(exc)).status


def field_for(error: ValidationError, key: str | None = None) -> str | None:
    """The field a single error is about: its code's field, else the key it was raised
    under (None for a non-field error)."""
    field = route(error.code).field
    if field:
        return field
    return None if key in (None, NON_FIELD_ERRORS) else key


def field_errors(exc: ValidationError) -> list[tuple[str | None, str]]:
    """(field, message) pairs, the field named by each error's code."""
    return [(field_for(e, key), message) for key, e in _leaves(exc) for message in e.messages]


def form_errors(
    exc: ValidationError, fields: set[str] | frozenset[str] | dict
) -> dict[str | None, list[str]]:
    """The errors for a form with `fields`: errors about a field the form does not have
    become non-field errors (key None), for `form.add_error`."""
    out: dict[str | None, list[str]] = {}
    for field, message in field_errors(exc):
        out.setdefault(field if field in fields else None, []).append(message)
    return out


def _leaves(exc: ValidationError) -> Iterator[tuple[str | None, ValidationError]]:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            for error in errors:
                for _, leaf in _leaves(error):
                    yield key, leaf
    elif hasattr(exc, "error_list") and (len(exc.error_list) != 1 or exc.error_list[0] is not exc):
        for error in exc.error_list:
            yield from _leaves(error)
    else:
        yield None, exc
