"""The slot list: working hours in the clinic's zone, minus everything that blocks time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bookings.models import BookingPolicy, Closure, TimeOff
from bookings.selectors.availability import Diary, slots_available
from clinic.models import Room
from tests.bookings.conftest import MONDAY, NOW, TORONTO, add_hours, book, local
from tests.conftest import make_client, make_therapist
from treatments.models import TreatmentOption, TreatmentType

pytestmark = pytest.mark.django_db


def times(slots, therapist=None) -> list[str]:
    return [f"{s.start:%H:%M}" for s in slots if therapist is None or s.therapist_id == therapist.pk]


@pytest.fixture
def option(option_60) -> TreatmentOption:
    return TreatmentOption.objects.select_related("treatment_type").get(pk=option_60.pk)


def test_slots_step_by_15_minutes_through_the_working_day(working_therapist, option):
    slots = slots_available(option, MONDAY, 1, now=NOW)
    assert times(slots)[:3] == ["09:00", "09:15", "09:30"]
    assert times(slots)[-1] == "16:00"  # 60 minutes must fit before 17:00
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)
    assert {s.therapist_name for s in slots} == {"Maya Chen"}
    assert all(s.start.tzinfo.key == "America/Toronto" for s in slots)


def test_weekday_numbers_are_iso(therapist, option):
    add_hours(therapist, weekdays=[1])  # Monday only
    slots = slots_available(option, MONDAY - timedelta(days=1), 3, now=NOW)
    assert {s.start.date() for s in slots} == {MONDAY}


def test_lunch_break_and_split_shift(therapist, option):
    add_hours(therapist, "09:00", "12:00", weekdays=[1])
    add_hours(therapist, "13:00", "15:00", weekdays=[1])
    got = times(slots_available(option, MONDAY, 1, now=NOW))
    assert "11:00" in got and "11:15" not in got and "12:30" not in got
    assert got[-5:] == ["13:00", "13:15", "13:30", "13:45", "14:00"]


def test_a_booking_blocks_its_time_and_its_cleanup_buffer(working_therapist, option, client_person):
    book(client_person, option, local(MONDAY, 11))  # blocked 11:00-12:10
    got = times(slots_available(option, MONDAY, 1, now=NOW))
    # 10:00 would end at 11:00 and its own buffer would run into the 11:00 booking.
    assert "09:45" in got and "10:00" not in got
    assert "12:00" not in got and "12:15" in got


def test_cancelled_booking_frees_its_slot(working_therapist, option, client_person):
    from bookings.services.appointments import appointment_cancel

    appointment = book(client_person, option, local(MONDAY, 11))
    appointment_cancel(appointment=appointment, reason="Client unwell", now=NOW)
    assert "11:00" in times(slots_available(option, MONDAY, 1, now=NOW))


def test_time_off_and_closures_block(working_therapist, option):
    TimeOff.objects.create(
        therapist=working_therapist, starts_at=local(MONDAY, 12), ends_at=local(MONDAY, 14)
    )
    Closure.objects.create(date=MONDAY + timedelta(days=1), reason="Holiday")
    slots = slots_available(option, MONDAY, 2, now=NOW)
    monday = [f"{s.start:%H:%M}" for s in slots if s.start.date() == MONDAY]
    assert "10:45" in monday and "11:00" not in monday and "13:45" not in monday and "14:00" in monday
    assert all(s.start.date() == MONDAY for s in slots)


def test_notice_window_and_maximum_advance(working_therapist, option):
    now = local(MONDAY, 8, 7)
    policy = BookingPolicy.current()
    policy.min_notice = timedelta(hours=2)
    policy.max_advance = timedelta(days=3)
    policy.save()
    slots = slots_available(option, MONDAY, 10, now=now)
    assert times(slots)[0] == "10:15"  # first grid time at least 2 hours after 08:07
    assert max(s.start for s in slots) <= now + timedelta(days=3)
    assert slots[-1].start.date() == MONDAY + timedelta(days=2)  # Thursday 09:00 is past 08:07


def test_only_active_therapists_who_offer_the_treatment(working_therapist, option):
    elsewhere = make_therapist("Ola Nordmann", treatments=["deep-tissue"])
    add_hours(elsewhere)
    away = make_therapist("Inactive Ian", active=False)
    add_hours(away)
    assert {s.therapist_name for s in slots_available(option, MONDAY, 1, now=NOW)} == {"Maya Chen"}


def test_inactive_option_or_treatment_has_no_slots(working_therapist, option):
    TreatmentType.objects.filter(pk=option.treatment_type_id).update(active=False)
    option.treatment_type.refresh_from_db()
    assert slots_available(option, MONDAY, 1, now=NOW) == []


def test_with_rooms_a_slot_needs_a_free_room(working_therapist, other_therapist, option, client_person):
    add_hours(other_therapist)
    Room.objects.create(name="Room 1")
    book(client_person, option, local(MONDAY, 9), therapist=other_therapist)  # takes the only room
    slots = slots_available(option, MONDAY, 1, now=NOW)
    assert "09:00" not in times(slots, working_therapist)
    assert "10:15" in times(slots, working_therapist)


def test_therapist_filter(working_therapist, other_therapist, option):
    add_hours(other_therapist, "12:00", "14:00")
    slots = slots_available(option, MONDAY, 1, therapist=other_therapist, now=NOW)
    assert {s.therapist_id for s in slots} == {other_therapist.pk}
    assert times(slots)[0] == "12:00"


def test_absurd_dates_give_no_slots_instead_of_an_error(working_therapist, option):
    assert slots_available(option, date(1, 1, 1), 31, now=NOW) == []
    assert slots_available(option, date(9999, 12, 31), 31, now=NOW) == []


# -- daylight saving ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "offset_hours"),
    [(date(2026, 3, 8), -4), (date(2026, 11, 1), -5)],
    ids=["spring-forward", "fall-back"],
)
def test_daylight_saving_days_keep_wall_clock_hours_and_real_lengths(
    working_therapist, option, day, offset_hours
):
    now = datetime(2026, 3, 1, 12, tzinfo=TORONTO) if day.month == 3 else datetime(2026, 10, 25, 12, tzinfo=TORONTO)
    slots = slots_available(option, day, 1, now=now)
    assert times(slots)[0] == "09:00" and times(slots)[-1] == "16:00"
    assert len(slots) == 29
    for slot in slots:
        assert slot.start.utcoffset() == timedelta(hours=offset_hours)
        assert slot.end.astimezone(UTC) - slot.start.astimezone(UTC) == timedelta(hours=1)
        assert slot.start.astimezone(TORONTO).time() >= time(9)


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1)], ids=["spring", "fall"])
def test_night_shift_across_the_transition_has_true_lengths(therapist, option, day):
    """A 00:00-06:00 shift is 5 real hours in spring and 7 in autumn: no slot invented or lost."""
    add_hours(therapist, "00:00", "06:00")
    now = datetime.combine(day - timedelta(days=7), time(12), tzinfo=TORONTO)
    slots = slots_available(option, day, 1, now=now)
    real_hours = 5 if day.month == 3 else 7
    assert len(slots) == real_hours * 4 - 3
    # Same-zone subtraction in Python is wall-clock; compare real time in UTC.
    assert all(s.end.astimezone(UTC) - s.start.astimezone(UTC) == timedelta(hours=1) for s in slots)
    assert len({s.start.astimezone(UTC) for s in slots}) == len(slots)
    assert [s.start.timestamp() for s in slots] == sorted(s.start.timestamp() for s in slots)


def test_booking_in_the_repeated_autumn_hour_lasts_its_real_length(therapist, option, client_person):
    add_hours(therapist, "00:00", "06:00")
    day = date(2026, 11, 1)
    now = datetime(2026, 10, 25, 12, tzinfo=TORONTO)
    second_0130 = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=TORONTO)  # 01:30 EST
    appointment = book(client_person, option, second_0130, therapist=therapist, now=now)
    assert appointment.ends_at - appointment.starts_at == timedelta(hours=1)
    assert appointment.starts_at.astimezone(TORONTO).strftime("%H:%M %z") == "01:30 -0500"
    assert appointment.ends_at.astimezone(TORONTO).strftime("%H:%M %z") == "02:30 -0500"
    starts = {s.start.astimezone(UTC) for s in slots_available(option, day, 1, now=now)}
    assert datetime(2026, 11, 1, 5, 0, tzinfo=UTC) in starts  # 01:00 EDT ends before 01:30 EST
    assert datetime(2026, 11, 1, 5, 30, tzinfo=UTC) not in starts  # its buffer would overlap
    assert datetime(2026, 11, 1, 6, 30, tzinfo=UTC) not in starts


def test_booking_on_the_spring_forward_day_lands_at_the_wall_clock_time(working_therapist, option, client_person):
    day = date(2026, 3, 8)
    now = datetime(2026, 3, 1, 12, tzinfo=TORONTO)
    slot = slots_available(option, day, 1, now=now)[0]
    appointment = book(client_person, option, slot.start, therapist=working_therapist, now=now)
    assert appointment.starts_at.astimezone(TORONTO).strftime("%H:%M %z") == "09:00 -0400"


# -- query counts -------------------------------------------------------------------------
def _history(therapist, option, n: int) -> None:
    from bookings.models import Appointment

    client = make_client()
    start = local(MONDAY, 9) - timedelta(days=n)
    Appointment.objects.bulk_create(
        Appointment(
            client=client, therapist=therapist, treatment_type=option.treatment_type, option=option,
            duration_minutes=60, price=option.price, source="staff", status="completed", cancellation_window=timedelta(hours=24),
            starts_at=start + timedelta(days=i), ends_at=start + timedelta(days=i, hours=1),
            buffer_ends_at=start + timedelta(days=i, minutes=70),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("history", [0, 400])
@pytest.mark.parametrize("more_therapists", [0, 10])
@pytest.mark.parametrize("days", [1, 31])
def test_selector_runs_a_constant_number_of_queries(
    working_therapist, other_therapist, option, client_person, history, more_therapists, days,
    django_assert_num_queries,
):
    """The policy, then one query for the whole diary, whatever the history, the number of
    therapists and the window; the same statement when a booking is left out (a move)."""
    add_hours(other_therapist)
    for n in range(more_therapists):
        add_hours(make_therapist(f"Therapist {n}"))
    Room.objects.create(name="Room 1")
    TimeOff.objects.create(therapist=working_therapist, starts_at=local(MONDAY, 12), ends_at=local(MONDAY, 13))
    Closure.objects.create(date=MONDAY + timedelta(days=2), reason="Holiday")
    _history(working_therapist, option, history)
    booked = book(client_person, option, local(MONDAY, 10), working_therapist)
    with django_assert_num_queries(2):
        slots_available(option, MONDAY, days, now=NOW)
    with django_assert_num_queries(2):
        slots_available(option, MONDAY, days, therapist=working_therapist, now=NOW)
    policy = BookingPolicy.current()
    with django_assert_num_queries(1):
        diary = Diary.load(
            treatment_type_id=option.treatment_type_id, duration=timedelta(hours=1),
            buffer=timedelta(minutes=10), start_date=MONDAY, days=days, therapist_id=working_therapist.pk,
            now=NOW, policy=policy, exclude_appointment_id=booked.pk,
        )
    assert diary.refusal(working_therapist.pk, local(MONDAY, 10)) is None


# -- the same answers as the six queries the diary ran before ----------------------------
def runs(slots, step: timedelta = timedelta(minutes=15), *, offsets: bool = False) -> list[str]:
    """Slots as runs of consecutive grid times of one therapist, in order of the first
    time: "Mon 09:00 to 10:45 Maya Chen", "Mon 12:15 Maya Chen" for a run of one; each time
    with its UTC offset ("09:00-0400") with `offsets`."""
    shown = "%a %H:%M%z" if offsets else "%a %H:%M"
    out: list[list] = []
    open_runs: dict[int, list] = {}
    for slot in slots:
        current = open_runs.get(slot.therapist_id)
        if current and slot.start.astimezone(UTC) - current[1].astimezone(UTC) == step:
            current[1] = slot.start
            continue
        open_runs[slot.therapist_id] = current = [slot.start, slot.start, slot.therapist_name]
        out.append(current)
    return [_run(first, last, shown) + f" {name}" for first, last, name in out]


def _run(first: datetime, last: datetime, shown: str) -> str:
    if first == last:
        return first.strftime(shown)
    return f"{first.strftime(shown)} to {last.strftime(shown.removeprefix('%a '))}"


@pytest.fixture
def busy_clinic(working_therapist, other_therapist, option, client_person, other_client):
    """Three therapists sharing two active rooms from Monday to Thursday: bookings with
    their cleanup buffers (15 minutes after deep tissue, 10 after trigger point), a
    cancelled one, time off, a closure, a split shift, an inactive room, and therapists
    who do not count (another treatment, inactive)."""
    from bookings.services.appointments import appointment_cancel

    maya, sam = working_therapist, other_therapist
    add_hours(sam, "08:00", "12:00", weekdays=[1, 2, 3, 4])
    add_hours(sam, "13:00", "18:30", weekdays=[1, 2, 3, 4])
    ines = make_therapist("Ines Abara")
    add_hours(ines, "10:00", "14:00", weekdays=[1, 2])
    Room.objects.create(name="Room B")
    Room.objects.create(name="Room A")
    Room.objects.create(name="Room C", active=False)
    deep = TreatmentOption.objects.get(treatment_type__code="deep-tissue", duration_minutes=90)
    maya_booking = book(client_person, option, local(MONDAY, 10), maya)  # 10:00-11:10, a room
    book(other_client, deep, local(MONDAY, 10, 30), sam)  # 10:30-12:15, the other room
    book(make_client("Cy"), option, local(MONDAY, 11, 15), ines)  # a room again from 11:10
    cancelled = book(make_client("Di"), option, local(MONDAY, 12, 45), ines)
    appointment_cancel(appointment=cancelled, reason="Client unwell", now=NOW)
    book(make_client("Ed"), option, local(MONDAY + timedelta(days=1), 9), maya)
    TimeOff.objects.create(
        therapist=sam, starts_at=local(MONDAY + timedelta(days=1), 12, 30),
        ends_at=local(MONDAY + timedelta(days=1), 15),
    )
    TimeOff.objects.create(
        therapist=ines, starts_at=local(MONDAY + timedelta(days=1), 0), ends_at=local(MONDAY + timedelta(days=2), 0)
    )
    Closure.objects.create(date=MONDAY + timedelta(days=2), reason="Holiday")
    add_hours(make_therapist("Ola Nordmann", treatments=["deep-tissue"]))
    add_hours(make_therapist("Inactive Ian", active=False))
    return maya, sam, ines, maya_booking


BUSY_CLINIC_SLOTS = {'any': ['Mon 08:00 to 09:15 Sam Okafor',
         'Mon 12:15 to 16:00 Maya Chen',
         'Mon 12:30 to 13:00 Ines Abara',
         'Mon 13:00 to 17:30 Sam Okafor',
         'Tue 08:00 to 11:00 Sam Okafor',
         'Tue 10:15 to 16:00 Maya Chen',
         'Tue 15:00 to 17:30 Sam Okafor',
         'Thu 08:00 to 11:00 Sam Okafor',
         'Thu 09:00 to 16:00 Maya Chen',
         'Thu 13:00 to 17:30 Sam Okafor'],
 'Maya': ['Mon 12:15 to 16:00 Maya Chen', 'Tue 10:15 to 16:00 Maya Chen', 'Thu 09:00 to 16:00 Maya Chen'],
 'Sam': ['Mon 08:00 to 09:15 Sam Okafor',
         'Mon 13:00 to 17:30 Sam Okafor',
         'Tue 08:00 to 11:00 Sam Okafor',
         'Tue 15:00 to 17:30 Sam Okafor',
         'Thu 08:00 to 11:00 Sam Okafor',
         'Thu 13:00 to 17:30 Sam Okafor'],
 'Ines': ['Mon 12:30 to 13:00 Ines Abara'],
 'first free therapist': ['Mon 08:00 to 09:15 Sam Okafor',
                          'Mon 12:15 Maya Chen',
                          'Mon 12:30 to 13:00 Ines Abara',
                          'Mon 13:15 to 16:00 Maya Chen',
                          'Mon 16:15 to 17:30 Sam Okafor',
                          'Tue 08:00 to 10:00 Sam Okafor',
                          'Tue 10:15 to 16:00 Maya Chen',
                          'Tue 16:15 to 17:30 Sam Okafor']}
BUSY_CLINIC_REFUSALS = ['Maya Chen 07:00 to 08:30 outside_hours',
 'Maya Chen 09:00 to 10:00 free',
 'Maya Chen 10:30 to 12:00 no_room',
 'Maya Chen 12:30 to 16:00 free',
 'Maya Chen 16:30 to 18:30 outside_hours',
 'Sam Okafor 07:00 to 07:30 outside_hours',
 'Sam Okafor 08:00 to 09:00 free',
 'Sam Okafor 09:30 to 11:00 slot_taken',
 'Sam Okafor 11:30 to 12:30 outside_hours',
 'Sam Okafor 13:00 to 17:30 free',
 'Sam Okafor 18:00 to 18:30 outside_hours',
 'Ines Abara 07:00 to 09:30 outside_hours',
 'Ines Abara 10:00 free',
 'Ines Abara 10:30 to 12:00 slot_taken',
 'Ines Abara 12:30 to 13:00 free',
 'Ines Abara 13:30 to 18:30 outside_hours']
SHORT_OPTION_SLOTS = ['Tue 08:00 to 11:30 Sam Okafor', 'Tue 10:15 to 16:30 Maya Chen', 'Tue 15:00 to 18:00 Sam Okafor']


def test_free_times_are_what_six_queries_gave(busy_clinic, option, client_person):
    """Characterisation: these lists are what `slots_available` returned when the diary ran
    six queries. One test, so each call reuses the statement compiled for the one before
    and must bind its own values."""
    from bookings.selectors.availability import diary_slots, open_diary

    maya, sam, ines, _ = busy_clinic
    got = {}
    for label, therapist in (("any", None), ("Maya", maya), ("Sam", sam), ("Ines", ines)):
        got[label] = runs(slots_available(option, MONDAY, 4, therapist=therapist, now=NOW))
    opened = open_diary(option, MONDAY, 2, None, NOW)
    assert opened is not None
    got["first free therapist"] = runs(diary_slots(*opened, one_per_time=True))
    assert got == BUSY_CLINIC_SLOTS
    short = TreatmentOption.objects.select_related("treatment_type").get(
        treatment_type__code="trigger-point", duration_minutes=30
    )
    assert runs(slots_available(short, MONDAY + timedelta(days=1), 1, now=NOW)) == SHORT_OPTION_SLOTS


def test_refusals_are_what_six_queries_gave(busy_clinic, option):
    """What the booking service is told about every half hour of Monday, moving Maya's
    10:00 booking (it is left out of the diary, so its own time is free)."""
    maya, sam, ines, maya_booking = busy_clinic
    diary = Diary.load(
        treatment_type_id=option.treatment_type_id, duration=timedelta(hours=1), buffer=timedelta(minutes=10),
        start_date=MONDAY, days=1, now=NOW, exclude_appointment_id=maya_booking.pk,
    )
    got = []
    for therapist in (maya, sam, ines):
        previous: list | None = None
        for n in range(7 * 2, 19 * 2):
            at = local(MONDAY, n // 2, 30 * (n % 2))
            code = diary.refusal(therapist.pk, at)
            if previous and previous[2] == code:
                previous[1] = at
                continue
            previous = [at, at, code, therapist.display_name]
            got.append(previous)
    shown = [f"{name} {_run(first, last, '%H:%M')} {code or 'free'}" for first, last, code, name in got]
    assert shown == BUSY_CLINIC_REFUSALS


DAYLIGHT_SAVING_SLOTS = {
    date(2026, 3, 8): ['Sat 00:00-0500 to 05:00-0500 Sam Okafor',
 'Sat 09:00-0500 to 16:00-0500 Maya Chen',
 'Sun 00:00-0500 to 00:15-0500 Sam Okafor',
 'Sun 03:45-0400 to 05:00-0400 Sam Okafor',
 'Sun 09:00-0400 to 10:45-0400 Maya Chen',
 'Sun 13:30-0400 to 16:00-0400 Maya Chen',
 'Mon 00:00-0400 to 05:00-0400 Sam Okafor',
 'Mon 09:00-0400 to 16:00-0400 Maya Chen'],
    date(2026, 11, 1): ['Sat 00:00-0400 to 05:00-0400 Sam Okafor',
 'Sat 09:00-0400 to 16:00-0400 Maya Chen',
 'Sun 00:00-0400 to 01:15-0400 Sam Okafor',
 'Sun 02:45-0500 to 05:00-0500 Sam Okafor',
 'Sun 09:00-0500 to 10:45-0500 Maya Chen',
 'Sun 13:30-0500 to 16:00-0500 Maya Chen',
 'Mon 00:00-0500 to 05:00-0500 Sam Okafor',
 'Mon 09:00-0500 to 16:00-0500 Maya Chen'],
}


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1)], ids=["spring", "fall"])
def test_daylight_saving_free_times_are_what_six_queries_gave(
    working_therapist, other_therapist, option, client_person, day
):
    """Both transitions: a day shift, a night shift across the change with a booking in it,
    time off, one room: the lists `slots_available` returned before."""
    now = datetime.combine(day - timedelta(days=7), time(12), tzinfo=TORONTO)
    add_hours(other_therapist, "00:00", "06:00")
    Room.objects.create(name="Room 1")
    book(client_person, option, datetime.combine(day, time(1, 30), tzinfo=TORONTO).replace(fold=1),
         other_therapist, now=now)
    TimeOff.objects.create(
        therapist=working_therapist, starts_at=local(day, 12), ends_at=local(day, 13, 30)
    )
    got = runs(slots_available(option, day - timedelta(days=1), 3, now=now), offsets=True)
    assert got == DAYLIGHT_SAVING_SLOTS[day]


def _reference_week(option, therapist, start, days):
    """What the booking page computed before `slot_week`: every slot of the window, then a
    separate search after it."""
    from bookings.selectors.online import next_day_with_space, unique_starts

    slots = slots_available(option, start, days, therapist=therapist, now=NOW)
    if therapist is None:
        slots = unique_starts(slots)
    grouped: dict = {}
    for slot in slots:
        grouped.setdefault(slot.start.date(), []).append(slot)
    after = start + timedelta(days=days - 1)
    return sorted(grouped.items()), next_day_with_space(
        option=option, therapist=therapist, after=after, now=NOW
    )


def test_slot_week_shows_what_listing_every_slot_and_searching_after_it_showed(
    option, client_person, other_client
):
    maya, sam, ines = make_therapist("Maya Chen"), make_therapist("Sam Okafor"), make_therapist("Ines Abara")
    add_hours(maya, "09:00", "13:00", weekdays=[1, 2, 3])
    add_hours(sam, "10:00", "17:00", weekdays=[1, 3, 5])
    add_hours(ines, "12:00", "18:00", weekdays=[6])
    Room.objects.create(name="Room 1")  # one room: therapists compete for it
    book(client_person, option, local(MONDAY, 10), maya)
    book(other_client, option, local(MONDAY, 11, 30), sam)
    Closure.objects.create(date=MONDAY + timedelta(days=2), reason="Holiday")
    TimeOff.objects.create(
        therapist=maya, starts_at=local(MONDAY + timedelta(days=7), 0),
        ends_at=local(MONDAY + timedelta(days=30), 0), reason="Course",
    )
    from bookings.selectors.online import slot_week

    for therapist in (None, maya, sam, ines):
        for start in (MONDAY - timedelta(days=3), MONDAY, MONDAY + timedelta(days=5)):
            got = slot_week(option=option, therapist=therapist, start_date=start, days=7, now=NOW)
            assert got == _reference_week(option, therapist, start, 7), (therapist, start)
    # Maya away for three weeks: the next day with space lies past the loaded diary.
    shown, next_day = slot_week(option=option, therapist=maya, start_date=MONDAY + timedelta(days=7), days=7, now=NOW)
    assert shown == [] and next_day == MONDAY + timedelta(days=30)


def test_slot_week_for_any_therapist_loads_one_diary(option, django_assert_num_queries):
    from bookings.selectors.online import slot_week

    for n in range(3):
        add_hours(make_therapist(f"Therapist {n}"), "09:00", "17:00", weekdays=[1, 2, 3, 4, 5])
    # The policy and the diary (the test's writes are uncommitted, so nothing is cached).
    with django_assert_num_queries(2):
        shown, next_day = slot_week(option=option, therapist=None, start_date=MONDAY, days=7, now=NOW)
    assert len(shown) == 5 and next_day == MONDAY + timedelta(days=7)
