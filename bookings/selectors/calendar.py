"""The staff calendar's data: resources (therapists or rooms), appointments, and shading.

One call answers one visible range in a constant number of queries, whatever the number of
appointments and therapists: therapists, rooms, appointments (with client, treatment and a
"first visit" and "note signed" annotation in the same query), working hours, time off and
closures. Times go to the browser as the clinic's wall-clock time without an offset
("floating"), so the calendar shows clinic time whatever the browser's own zone is; the
booking service turns them back into aware datetimes.

Nothing here is clinical text: names, phone, treatment, status and flags only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from bookings.models import (
    ATTENDED_STATUSES,
    INACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    BookingPolicy,
    Closure,
    TimeOff,
    WorkingHours,
)
from bookings.models.notes import NoteStatus, SessionNote
from bookings.rules import can_check_in
from bookings.selectors.availability import Diary, Slot, clinic_zone
from clinic.models import Room, Therapist
from treatments.models import TreatmentOption

# The visible day: hours outside it are never shown, so shading stops there too.
DAY_OPENS = time(7, 0)
DAY_CLOSES = time(21, 0)
# A calendar never asks for more than six weeks at once (a month view); longer is a 400.
MAX_RANGE_DAYS = 42
THERAPISTS = "therapists"
ROOMS = "rooms"
NO_ROOM_ID = "room-none"

Status = AppointmentStatus


def floating(moment: datetime) -> str:
    """The clinic wall-clock time of an aware datetime, without an offset."""
    return moment.astimezone(clinic_zone()).replace(tzinfo=None).isoformat(timespec="minutes")


def from_floating(raw: str) -> datetime:
    """An aware datetime from a clinic wall-clock time (a floating ISO string).

    An offset, when given, is honoured. Raises ValueError for text that is not a time."""
    moment = datetime.fromisoformat(raw)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=clinic_zone())
    return moment


def _therapist_resources() -> list[dict[str, Any]]:
    return [
        {"id": f"t{pk}", "title": name, "eventBackgroundColor": colour, "extendedProps": {"therapist": pk}}
        for pk, name, colour in Therapist.objects.filter(active=True)
        .order_by("display_name", "pk")
        .values_list("pk", "display_name", "calendar_colour")
    ]


def _room_resources() -> list[dict[str, Any]]:
    rooms = [
        {"id": f"r{pk}", "title": name, "extendedProps": {"room": pk}}
        for pk, name in Room.objects.filter(active=True).order_by("name").values_list("pk", "name")
    ]
    rooms.append({"id": NO_ROOM_ID, "title": "No room", "extendedProps": {"room": None}})
    return rooms


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clinic_zone())


def _shade(
    therapist_id: int,
    day: date,
    working: list[tuple[time, time]],
) -> list[dict[str, Any]]:
    """Background events for the parts of the visible day a therapist does not work."""
    zone = clinic_zone()
    opens = datetime.combine(day, DAY_OPENS, tzinfo=zone)
    closes = datetime.combine(day, DAY_CLOSES, tzinfo=zone)
    spans = sorted(
        (datetime.combine(day, s, tzinfo=zone), datetime.combine(day, e, tzinfo=zone)) for s, e in working
    )
    out = []
    cursor = opens
    for start, end in spans:
        if start > cursor:
            out.append((cursor, min(start, closes)))
        cursor = max(cursor, end)
    if cursor < closes:
        out.append((cursor, closes))
    return [
        {
            "id": f"off-{therapist_id}-{day}-{i}",
            "resourceIds": [f"t{therapist_id}"],
            "start": floating(start),
            "end": floating(end),
            "display": "background",
            "classNames": ["cal-not-working"],
        }
        for i, (start, end) in enumerate(out)
        if end > start
    ]


def calendar_range(start: date, end: date, *, view: str, user) -> dict[str, Any]:
    """Resources and events for [start, end) local dates, for one staff user.

    `view` is THERAPISTS (a column per therapist) or ROOMS (a column per room)."""
    zone = clinic_zone()
    window_start = _local_midnight(start).astimezone(UTC)
    window_end = _local_midnight(end).astimezone(UTC)
    therapists = _therapist_resources()  # query 1
    resources = therapists if view == THERAPISTS else _room_resources()  # query 2 (rooms)
    colours = {r["extendedProps"]["therapist"]: r["eventBackgroundColor"] for r in therapists}
    note_add = reverse("admin:bookings_sessionnote_add") if user.has_perm("bookings.add_sessionnote") else ""

    # A first visit: no earlier active appointment of the client (ties broken by id).
    earlier = Appointment.objects.filter(client=OuterRef("client")).filter(
        Q(starts_at__lt=OuterRef("starts_at")) | Q(starts_at=OuterRef("starts_at"), pk__lt=OuterRef("pk"))
    ).exclude(status__in=INACTIVE_STATUSES)
    signed = SessionNote.objects.filter(appointment=OuterRef("pk"), status=NoteStatus.SIGNED)
    appointments = (
        Appointment.objects.filter(starts_at__lt=window_end, ends_at__gt=window_start)
        # Bounded below like the availability selector: nothing lasts more than a day.
        .filter(starts_at__gt=window_start - timedelta(days=1))
        .select_related("client", "treatment_type", "therapist", "room")
        .annotate(has_earlier=Exists(earlier), note_signed=Exists(signed))
        .order_by("starts_at", "pk")
    )  # query 3
    events: list[dict[str, Any]] = []
    now = timezone.now()
    for a in appointments:
        flags = (
            (["first visit"] if not a.has_earlier else [])
            + a.screening_flags
            + (["note not signed"] if a.status in ATTENDED_STATUSES and not a.note_signed else [])
        )
        active = a.status not in INACTIVE_STATUSES
        resource = f"t{a.therapist_id}" if view == THERAPISTS else (f"r{a.room_id}" if a.room_id else NO_ROOM_ID)
        events.append(
            {
                "id": str(a.pk),
                "resourceIds": [resource],
                "start": floating(a.starts_at),
                "end": floating(a.ends_at),
                "title": f"{a.client.full_name} · {a.treatment_type.name}",
                "backgroundColor": colours.get(a.therapist_id, "#2f6f8f") if active else "#8a8f94",
                "classNames": ["cal-appt", f"cal-status-{a.status}"] + ([] if active else ["cal-inactive"]),
                # A cancelled or no-show block never covers free time: it is drawn behind.
                "editable": active and a.status in (Status.BOOKED, Status.CONFIRMED),
                "extendedProps": {
                    "client": a.client.full_name,
                    "phone": a.client.phone,
                    "therapist": a.therapist.display_name,
                    "therapistId": a.therapist_id,
                    "room": a.room.name if a.room is not None else "",
                    "treatment": a.treatment_type.name,
                    "minutes": a.duration_minutes,
                    "optionId": a.option_id,
                    "status": a.status,
                    "statusLabel": a.get_status_display(),
                    "flags": flags,
                    "active": active,
                    "started": a.starts_at <= now,
                    "noteUrl": f"{note_add}?appointment={a.pk}" if note_add and active else "",
                    # Check-in asks today's questions, so it is a page, not a button.
                    "checkInUrl": reverse("admin:bookings_appointment_check_in", args=[a.pk])
                    if can_check_in(a)
                    else "",
                },
            }
        )

    if view == THERAPISTS:
        therapist_ids = [r["extendedProps"]["therapist"] for r in therapists]
        hours: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
        for tid, weekday, s, e in WorkingHours.objects.filter(therapist__in=therapist_ids).values_list(
            "therapist_id", "weekday", "start_time", "end_time"
        ):  # query 4
            hours[tid][weekday].append((s, e))
        day = start
        while day < end:
            for tid in therapist_ids:
                events.extend(_shade(tid, day, hours[tid][day.isoweekday()]))
            day += timedelta(days=1)
        for pk, tid, off_start, off_end in TimeOff.objects.filter(
            therapist__in=therapist_ids, starts_at__lt=window_end, ends_at__gt=window_start
        ).values_list("pk", "therapist_id", "starts_at", "ends_at"):  # query 5
            events.append(
                {
                    "id": f"away-{pk}",
                    "resourceIds": [f"t{tid}"],
                    "start": floating(max(off_start, window_start)),
                    "end": floating(min(off_end, window_end)),
                    "display": "background",
                    "title": "Away",
                    "classNames": ["cal-away"],
                }
            )
    for closed in Closure.objects.filter(date__gte=start, date__lt=end).values_list("date", flat=True):  # query 6
        events.append(
            {
                "id": f"closed-{closed}",
                "resourceIds": [r["id"] for r in resources],
                "start": floating(_local_midnight(closed) + timedelta(hours=DAY_OPENS.hour)),
                "end": floating(_local_midnight(closed) + timedelta(hours=DAY_CLOSES.hour)),
                "display": "background",
                "title": "Clinic closed",
                "classNames": ["cal-closed"],
            }
        )
    return {"timezone": str(zone), "resources": resources, "events": events}


def staff_starts(
    *,
    option: TreatmentOption,
    day: date,
    therapist_id: int | None = None,
    exclude_appointment_id: int | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The start times staff may book `option` at on a local date (same rules the booking
    service applies for staff: no minimum notice, never in the past), from `Diary`."""
    now = now or timezone.now()
    zone = clinic_zone()
    policy = BookingPolicy.current().for_staff()
    if not (option.active and option.treatment_type.active):
        return []
    if day < now.astimezone(zone).date() or day > (now + policy.max_advance).astimezone(zone).date():
        return []
    diary = Diary.load(
        treatment_type_id=option.treatment_type_id,
        duration=timedelta(minutes=option.duration_minutes),
        buffer=timedelta(minutes=option.treatment_type.buffer_minutes),
        start_date=day,
        days=1,
        therapist_id=therapist_id,
        now=now,
        policy=policy,
        exclude_appointment_id=exclude_appointment_id,
    )
    slots = [
        Slot(
            start=start.astimezone(zone),
            end=(start + diary.duration).astimezone(zone),
            therapist_id=tid,
            therapist_name=name,
        )
        for tid, name in diary.therapists.items()
        for start in diary.free_starts(tid, day)
    ]
    slots.sort(key=lambda s: (s.start.timestamp(), s.therapist_name, s.therapist_id))
    return slots


def calendar_page_context(user, day: date) -> dict[str, Any]:
    """What the calendar page renders around the calendar: its columns, the treatment
    options, therapists and rooms for the booking form, and what this user may do."""
    therapists = _therapist_resources()
    rooms = _room_resources()
    options = [
        {"id": pk, "label": f"{name}, {minutes} min"}
        for pk, name, minutes in TreatmentOption.objects.filter(active=True, treatment_type__active=True)
        .order_by("treatment_type__name", "duration_minutes")
        .values_list("pk", "treatment_type__name", "duration_minutes")
    ]
    own = getattr(user, "therapist", None)
    return {
        "day": day,
        "calendar_setup": {
            "date": day.isoformat(),
            "therapists": therapists,
            "rooms": rooms,
            "options": options,
            "ownTherapist": own.pk if own is not None else None,
            "canAdd": user.has_perm("bookings.add_appointment"),
            "canChange": user.has_perm("bookings.change_appointment"),
            "canAddClient": user.has_perm("clinic.add_client"),
            "dayOpens": DAY_OPENS.strftime("%H:%M"),
            "dayCloses": DAY_CLOSES.strftime("%H:%M"),
        },
    }
