"""Shared fixtures: the personas every test speaks of (a manager, a front-desk user, two
therapists, two clients) and helpers to make more."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from clinic.models import Client, Room, Therapist
from clinic.roles import FRONT_DESK, MANAGER, THERAPIST
from treatments.models import TreatmentOption, TreatmentType

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a page cached from one test's data (rolled
    back since, without any signal) must not be served to the next."""
    cache.clear()
    yield


def make_staff(role: str | None, username: str | None = None, **extra) -> User:
    username = username or f"staff{next(_seq)}"
    user = User.objects.create_user(
        username=username, password="correct horse battery", is_staff=True, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_therapist(name: str | None = None, treatments: str | list[str] = "all", **extra) -> Therapist:
    n = next(_seq)
    user = make_staff(THERAPIST, username=f"therapist{n}")
    therapist = Therapist.objects.create(user=user, display_name=name or f"Therapist {n}", **extra)
    codes = list(TreatmentType.objects.values_list("code", flat=True)) if treatments == "all" else treatments
    for treatment in TreatmentType.objects.filter(code__in=codes):
        treatment.therapists.add(therapist)
    return therapist


def make_client(first_name: str = "Ada", last_name: str | None = None, **extra) -> Client:
    n = next(_seq)
    extra.setdefault("email", f"client{n}@example.com")
    return Client.objects.create(first_name=first_name, last_name=last_name or f"Client{n}", **extra)


@pytest.fixture
def manager(db) -> User:
    return make_staff(MANAGER, username="manager")


@pytest.fixture
def front_desk(db) -> User:
    return make_staff(FRONT_DESK, username="frontdesk")


@pytest.fixture
def therapist(db) -> Therapist:
    return make_therapist("Maya Chen")


@pytest.fixture
def other_therapist(db) -> Therapist:
    return make_therapist("Sam Okafor")


@pytest.fixture
def client_person(db) -> Client:
    return make_client("Ada", "Lovelace", email="ada@example.com", phone="+1 416 555 0100")


@pytest.fixture
def other_client(db) -> Client:
    return make_client("Grace", "Hopper", email="grace@example.com")


@pytest.fixture
def room(db) -> Room:
    return Room.objects.create(name="Room 1")


@pytest.fixture
def option_60(db) -> TreatmentOption:
    return TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)


def text_of(response) -> str:
    """A response's body as text, streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()
