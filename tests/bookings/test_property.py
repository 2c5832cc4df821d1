"""Property: for random working hours, time off, rooms and existing bookings, every listed
slot can be booked, no listed slot touches an active appointment or its buffer, none lies
outside working hours, inside the notice window or past the maximum advance; and a time
that is not listed is refused by the booking service."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bookings.models import Appointment, BookingPolicy, TimeOff, WorkingHours
from bookings.selectors.availability import slots_available
from clinic.models import Room
from tests.bookings.conftest import MONDAY, TORONTO, book
from treatments.models import TreatmentOption

pytestmark = pytest.mark.django_db
DAYS = 3
WINDOW_START = datetime.combine(MONDAY, time(0), tzinfo=TORONTO)

minutes_in_window = st.integers(0, DAYS * 24 * 60 - 1)
shift = st.tuples(
    st.integers(1, 3),  # ISO weekday: Monday to Wednesday, the window
    st.integers(0, 20 * 12).map(lambda n: n * 5),  # start, minutes after midnight
    st.integers(6, 8 * 12).map(lambda n: n * 5),  # length
)
span = st.tuples(minutes_in_window, st.integers(5, 6 * 60))
existing = st.tuples(
    st.integers(0, 1),  # therapist index
    minutes_in_window,
    st.sampled_from([30, 45, 60, 90]),
    st.sampled_from([0, 10, 15]),  # buffer
    st.sampled_from(["booked", "confirmed", "cancelled", "no_show", "checked_in"]),
    st.integers(0, 2),  # room index, 0 = none
)
scenario = st.fixed_dictionaries(
    {
        "shifts": st.lists(st.tuples(st.integers(0, 1), shift), min_size=1, max_size=6),
        "time_off": st.lists(st.tuples(st.integers(0, 1), span), max_size=3),
        "existing": st.lists(existing, max_size=8),
        "rooms": st.integers(0, 2),
        "step": st.sampled_from([5, 10, 15, 30]),
        "notice_minutes": st.integers(0, 24 * 60),
        "advance_hours": st.integers(1, 96),
        "now_minutes": st.integers(-24 * 60, 36 * 60),
        "option": st.sampled_from([("trigger-point", 30), ("trigger-point", 60), ("deep-tissue", 90)]),
        "probes": st.lists(st.tuples(st.integers(0, 1), minutes_in_window), max_size=4),
    }
)


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(s=scenario, data=st.data())
def test_listed_slots_are_free_and_bookable_and_unlisted_times_are_refused(
    therapist, other_therapist, client_person, other_client, s, data
):
    with transaction.atomic():
        therapists = [therapist, other_therapist]
        rooms = [Room.objects.create(name=f"Room {i}") for i in range(s["rooms"])]
        policy = BookingPolicy.current()
        policy.slot_step_minutes = s["step"]
        policy.min_notice = timedelta(minutes=s["notice_minutes"])
        policy.max_advance = timedelta(hours=s["advance_hours"])
        policy.save()
        now = WINDOW_START + timedelta(minutes=s["now_minutes"], seconds=17)
        code, minutes = s["option"]
        option = TreatmentOption.objects.select_related("treatment_type").get(
            treatment_type__code=code, duration_minutes=minutes
        )
        buffer = timedelta(minutes=option.treatment_type.buffer_minutes)
        duration = timedelta(minutes=minutes)

        for index, (weekday, start, length) in s["shifts"]:
            end = min(start + length, 24 * 60 - 5)
            WorkingHours.objects.create(
                therapist=therapists[index], weekday=weekday,
                start_time=time(start // 60, start % 60), end_time=time(end // 60, end % 60),
            )
        for index, (start, length) in s["time_off"]:
            begin = WINDOW_START + timedelta(minutes=start)
            TimeOff.objects.create(
                therapist=therapists[index], starts_at=begin, ends_at=begin + timedelta(minutes=length)
            )
        for index, start, length, extra, status, room in s["existing"]:
            begin = (WINDOW_START + timedelta(minutes=start)).astimezone(UTC)
            end = begin + timedelta(minutes=length)
            try:
                with transaction.atomic():
                    Appointment.objects.create(
                        client=other_client, therapist=therapists[index],
                        treatment_type=option.treatment_type, option=option,
                        duration_minutes=length, price=option.price, source="staff", cancellation_window=timedelta(hours=24),
                        starts_at=begin, ends_at=end, buffer_ends_at=end + timedelta(minutes=extra),
                        status=status, room=rooms[(room - 1) % len(rooms)] if room and rooms else None,
                        cancelled_at=now if status == "cancelled" else None,
                    )
            except IntegrityError:
                pass  # the database refused an overlap: that is the guard, not the subject

        slots = slots_available(option, MONDAY, DAYS, now=now)
        active = list(Appointment.objects.active())
        hours = list(WorkingHours.objects.all())
        offs = list(TimeOff.objects.all())

        event(f"slots listed: {'none' if not slots else 'some' if len(slots) < 40 else 'many'}")
        listed = set()
        for slot in slots:
            start, end = slot.start.astimezone(UTC), slot.end.astimezone(UTC)
            listed.add((slot.therapist_id, start))
            assert end - start == duration
            assert start >= now + policy.min_notice
            assert start <= now + policy.max_advance
            local_start, local_end = slot.start.astimezone(TORONTO), slot.end.astimezone(TORONTO)
            assert any(
                h.therapist_id == slot.therapist_id
                and h.weekday == local_start.isoweekday()
                and h.start_time <= local_start.time()
                and local_end.date() == local_start.date()
                and local_end.time() <= h.end_time
                for h in hours
            ) or _within_merged(hours, slot.therapist_id, local_start, local_end)
            for a in active:
                if a.therapist_id == slot.therapist_id:
                    assert not overlaps(start, end + buffer, a.starts_at, a.buffer_ends_at)
            for off in offs:
                if off.therapist_id == slot.therapist_id:
                    assert not overlaps(start, end + buffer, off.starts_at, off.ends_at)
            if rooms:
                assert any(
                    not any(
                        a.room_id == room.pk and overlaps(start, end + buffer, a.starts_at, a.buffer_ends_at)
                        for a in active
                    )
                    for room in rooms
                )

        # Every listed slot books (a sample, each in its own rolled-back savepoint).
        if slots:
            for slot in data.draw(st.lists(st.sampled_from(slots), max_size=5, unique=True)):
                with transaction.atomic():
                    therapist_obj = therapists[0] if slot.therapist_id == therapist.pk else therapists[1]
                    book(client_person, option, slot.start, therapist=therapist_obj, now=now)
                    transaction.set_rollback(True)

        # A time that is not listed is refused.
        for index, minute in s["probes"]:
            start = (WINDOW_START + timedelta(minutes=minute)).astimezone(UTC)
            if (therapists[index].pk, start) in listed:
                continue
            with pytest.raises(ValidationError), transaction.atomic():
                book(client_person, option, start, therapist=therapists[index], now=now)

        transaction.set_rollback(True)


def _within_merged(hours, therapist_id, local_start, local_end) -> bool:
    """Touching or overlapping shifts on one day merge into one working interval."""
    day = [
        (h.start_time, h.end_time)
        for h in hours
        if h.therapist_id == therapist_id and h.weekday == local_start.isoweekday()
    ]
    if local_end.date() != local_start.date():
        return False
    merged: list[list[time]] = []
    for start, end in sorted(day):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return any(s <= local_start.time() and local_end.time() <= e for s, e in merged)
