"""Constraints on people and places, tested both ways: model validation and the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic.models import Client, Room, Therapist
from tests.conftest import make_staff


@pytest.mark.django_db
def test_client_without_a_first_name_is_refused():
    with pytest.raises(ValidationError) as exc:
        Client(first_name="", last_name="X").full_clean()
    assert "first_name" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(first_name="", last_name="X")


@pytest.mark.django_db
def test_two_clients_cannot_share_an_email_whatever_its_case():
    Client.objects.create(first_name="Ada", email="ada@example.com")
    duplicate = Client(first_name="Other", email="ADA@example.com")
    with pytest.raises(ValidationError, match="already uses this email"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.django_db
def test_clients_without_email_are_allowed_side_by_side():
    Client.objects.create(first_name="A")
    Client.objects.create(first_name="B")
    assert Client.objects.filter(email="").count() == 2


@pytest.mark.django_db
def test_room_needs_a_name():
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(name="")


@pytest.mark.django_db
def test_therapist_needs_a_display_name_and_a_valid_colour():
    user = make_staff(None)
    with pytest.raises(ValidationError) as exc:
        Therapist(user=user, display_name="", calendar_colour="blue").full_clean()
    assert {"display_name", "calendar_colour"} <= set(exc.value.message_dict)
    with pytest.raises(IntegrityError), transaction.atomic():
        Therapist.objects.create(user=user, display_name="")


@pytest.mark.django_db
def test_client_str_and_initials_hold_no_clinical_text():
    client = Client(first_name="Ada", last_name="Lovelace", front_desk_remarks="prefers mornings")
    assert str(client) == "Ada Lovelace"
    assert client.initials == "A.L."
