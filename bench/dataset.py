"""The benchmark clinic, shared by every script in bench/.

20 therapists (or `therapists_count`) working Monday to Saturday with a lunch break, 12 rooms, a day of time off
each and two closures, `size` appointments of history before `now` and a valid future diary
(no overlaps, inside working hours) over the following 35 days. One client ("Bench Regular")
has 300 visits with session notes, 50 of them unsigned and older than a day, for the staff
pages. History rows are fixture data and are bulk-created; the database's overlap guards
still check every row.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

THERAPISTS = 20
ROOMS = 12
CLIENTS = 500
FUTURE_DAYS = 35
FILL = 0.4  # share of the future diary's fixed start times that are booked
REGULAR_VISITS = 300
REGULAR_UNSIGNED = 50
ZONE = ZoneInfo("America/Toronto")
HISTORY_STARTS = [time(9), time(10, 15), time(11, 30), time(13, 30), time(14, 45), time(16)]
FUTURE_STARTS = [time(9), time(10, 30), time(13, 30), time(15), time(16, 30)]
MANAGER_USERNAME = "bench-manager"


def is_built() -> bool:
    from clinic.models import Therapist

    return Therapist.objects.filter(display_name="Therapist 00").exists()


def option():
    from treatments.models import TreatmentOption

    return TreatmentOption.objects.select_related("treatment_type").get(
        treatment_type__code="trigger-point", duration_minutes=60
    )


def build(size: int, now: datetime, therapists_count: int = THERAPISTS) -> None:
    from django.contrib.auth.models import Group, User
    from django.db import transaction

    from bookings.models import Appointment, Closure, SessionNote, TimeOff, WorkingHours
    from clinic import generations
    from clinic.models import Client, Room, Therapist
    from clinic.roles import MANAGER
    from treatments.models import TreatmentType

    rng = random.Random(size)
    opt = option()
    buffer = timedelta(minutes=opt.treatment_type.buffer_minutes)
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"bench-therapist-{i}", password="!", is_staff=True) for i in range(therapists_count)
        )
        therapists = Therapist.objects.bulk_create(
            Therapist(user=u, display_name=f"Therapist {i:02d}") for i, u in enumerate(users)
        )
        for treatment in TreatmentType.objects.all():
            treatment.therapists.add(*therapists)
        WorkingHours.objects.bulk_create(
            WorkingHours(therapist=t, weekday=d, start_time=s, end_time=e)
            for t in therapists
            for d in range(1, 7)
            for s, e in ([(time(10), time(13)), (time(13, 30), time(16))] if d == 6
                         else [(time(9), time(12, 30)), (time(13, 30), time(18))])
        )
        rooms = Room.objects.bulk_create(Room(name=f"Bench room {i}") for i in range(ROOMS))
        clients = Client.objects.bulk_create(
            Client(first_name="Bench", last_name="Regular" if i == 0 else f"Client {i}",
                   email=f"bench{i}@example.com")
            for i in range(CLIENTS)
        )
        today = now.astimezone(ZONE).date()
        Closure.objects.bulk_create(
            [Closure(date=today + timedelta(days=11), reason="Holiday"),
             Closure(date=today + timedelta(days=25), reason="Holiday")]
        )
        TimeOff.objects.bulk_create(
            TimeOff(
                therapist=t,
                starts_at=datetime.combine(today + timedelta(days=3 + i % 20), time(9), tzinfo=ZONE),
                ends_at=datetime.combine(today + timedelta(days=3 + i % 20), time(18), tzinfo=ZONE),
                reason="Course",
            )
            for i, t in enumerate(therapists)
        )

        def row(therapist_index: int, start: datetime, status: str, room, client) -> Appointment:
            end = start + timedelta(minutes=60)
            return Appointment(
                client=client, therapist=therapists[therapist_index],
                treatment_type=opt.treatment_type, option=opt, duration_minutes=60,
                price=opt.price, room=room, starts_at=start, ends_at=end,
                buffer_ends_at=end + buffer, status=status, source="staff",
                cancelled_at=start - timedelta(days=2) if status == "cancelled" else None,
            )

        history = []
        regular = 0
        day = today - timedelta(days=1)
        while len(history) < size:
            if day.isoweekday() != 7:
                for start_time in HISTORY_STARTS:
                    # Distinct clients at one time: the database refuses a client in two places.
                    at_once = rng.sample(range(1, CLIENTS), therapists_count)
                    for i in range(therapists_count):
                        if len(history) == size:
                            break
                        roll = rng.random()
                        status = "completed" if roll < 0.85 else "cancelled" if roll < 0.95 else "no_show"
                        start = datetime.combine(day, start_time, tzinfo=ZONE)
                        # The regular sees therapist 00 at every slot: never two places at once.
                        if i == 0 and regular < REGULAR_VISITS:
                            client, status = clients[0], "completed"
                            regular += 1
                        else:
                            client = clients[at_once[i]]
                        history.append(row(i, start, status, rooms[i] if i < ROOMS else None, client))
            day -= timedelta(days=1)
        # Oldest first, as a diary grows: the overlap trigger then only looks at the few
        # rows that end after each new start (newest-first would make it scan them all).
        history.sort(key=lambda a: a.starts_at)
        Appointment.objects.bulk_create(history, batch_size=2000)

        visits = sorted((a for a in history if a.client_id == clients[0].pk), key=lambda a: a.starts_at)
        SessionNote.objects.bulk_create(
            SessionNote(
                appointment=a, client=clients[0], therapist=a.therapist,
                status="draft" if n >= len(visits) - REGULAR_UNSIGNED else "signed",
                signed_at=None if n >= len(visits) - REGULAR_UNSIGNED else a.ends_at,
                signed_by=None if n >= len(visits) - REGULAR_UNSIGNED else a.therapist.user,
                complaint="Left buttock pain", pain_before=6, pain_after=3,
                created_at=a.starts_at, updated_at=a.ends_at,
            )
            for n, a in enumerate(visits)
        )

        future = []
        for offset in range(1, FUTURE_DAYS + 1):
            day = today + timedelta(days=offset)
            if day.isoweekday() == 7:
                continue
            for start_time in FUTURE_STARTS:
                free_rooms = list(rooms)
                at_once = rng.sample(range(1, CLIENTS), therapists_count)
                for i in range(therapists_count):
                    if rng.random() < FILL and free_rooms:
                        start = datetime.combine(day, start_time, tzinfo=ZONE)
                        future.append(row(i, start, "booked", free_rooms.pop(0), clients[at_once[i]]))
        Appointment.objects.bulk_create(future, batch_size=2000)

        # Bulk rows send no signals: start new generations for whatever a server had cached.
        generations.bump(generations.DIARY, generations.CLIENTS, generations.CATALOGUE)
        manager = User.objects.create_user(MANAGER_USERNAME, password=None, is_staff=True)
        manager.groups.add(Group.objects.get(name=MANAGER))


def postgres_ready(url: str) -> bool:
    """Whether PostgreSQL answers at `url`'s server; creates `url`'s database if missing."""
    import psycopg

    server, name = url.rsplit("/", 1)
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: {exc}".strip(), file=sys.stderr)
        return False
