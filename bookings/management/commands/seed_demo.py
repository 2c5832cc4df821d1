"""Load a demo clinic: staff of every role, therapists with their treatments, rooms, clients
and (once the scheduling engine is present) a living two-week diary.

Idempotent: running it twice changes nothing. Refuses to run in production mode.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from bookings.demo import seed_diary
from clinic.models import Client, Room, Therapist
from clinic.roles import FRONT_DESK, MANAGER, THERAPIST
from treatments.models import TreatmentType

DEMO_PASSWORD = "clinic-demo-2026"

THERAPISTS = [
    # username, display name, registration, colour, treatments offered, bio
    ("maya", "Maya Chen, RMT", "RMT-10482", "#3a7bd5", "all",
     "Maya has treated sciatica and hip pain for twelve years and teaches clients simple "
     "self-care they can keep up between visits."),
    ("sam", "Sam Okafor, RMT", "RMT-11920", "#2e9d6a",
     ["deep-tissue", "trigger-point", "perfect-spot-6", "perfect-spot-12", "perfect-spot-13"],
     "Sam works with runners and people whose jobs keep them sitting, with a focus on the hip."),
    ("priya", "Priya Raman, RMT", "RMT-12377", "#b5527f",
     ["myofascial-release", "trigger-point", "perfect-spot-13"],
     "Priya uses gentle myofascial techniques and is a good fit if deep pressure is not for you."),
]
CLIENTS = [
    ("Ada", "Lovelace", "ada.demo@example.com", "+1 416 555 0100"),
    ("Grace", "Hopper", "grace.demo@example.com", "+1 416 555 0101"),
    ("Alan", "Turing", "alan.demo@example.com", "+1 416 555 0102"),
    ("Katherine", "Johnson", "katherine.demo@example.com", "+1 416 555 0103"),
    ("Edsger", "Dijkstra", "edsger.demo@example.com", "+1 416 555 0104"),
    ("Barbara", "Liskov", "barbara.demo@example.com", "+1 416 555 0105"),
    ("Donald", "Knuth", "donald.demo@example.com", "+1 416 555 0106"),
    ("Frances", "Allen", "frances.demo@example.com", "+1 416 555 0107"),
]
ROOMS = ["Room 1", "Room 2", "Room 3"]


def _user(username: str, *, role: str | None, superuser: bool = False, **fields) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": superuser, **fields}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


class Command(BaseCommand):
    help = "Load the demo clinic (idempotent)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo loads demo data and only runs with DJANGO_DEBUG=1.")
        with transaction.atomic():
            _user("admin", role=None, superuser=True, email="admin@clinic.example", first_name="Demo")
            _user("manager", role=MANAGER, email="manager@clinic.example", first_name="Morgan")
            _user("frontdesk", role=FRONT_DESK, email="desk@clinic.example", first_name="Dana")
            therapists = []
            for username, name, reg, colour, offers, bio in THERAPISTS:
                user = _user(username, role=THERAPIST, email=f"{username}@clinic.example",
                             first_name=name.split()[0])
                therapist, _ = Therapist.objects.get_or_create(
                    user=user,
                    defaults={"display_name": name, "registration_number": reg,
                              "calendar_colour": colour, "bio": bio},
                )
                codes = TreatmentType.objects.values_list("code", flat=True) if offers == "all" else offers
                for treatment in TreatmentType.objects.filter(code__in=list(codes)):
                    treatment.therapists.add(therapist)
                therapists.append(therapist)
            for name in ROOMS:
                Room.objects.get_or_create(name=name)
            clients = []
            for first, last, email, phone in CLIENTS:
                client, _ = Client.objects.get_or_create(
                    email=email, defaults={"first_name": first, "last_name": last, "phone": phone}
                )
                clients.append(client)
            booked = seed_diary(therapists=therapists, clients=clients, now=timezone.now())

        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready ({booked} new appointments booked)."))
        self.stdout.write(
            "Staff login at http://127.0.0.1:8000/admin/\n"
            f"  superuser:  admin / {DEMO_PASSWORD}\n"
            f"  manager:    manager / {DEMO_PASSWORD}\n"
            f"  front desk: frontdesk / {DEMO_PASSWORD}\n"
            f"  therapists: maya, sam, priya / {DEMO_PASSWORD}\n"
            "Public site: http://127.0.0.1:8000/   Emails clients would receive: var/mail/"
        )
