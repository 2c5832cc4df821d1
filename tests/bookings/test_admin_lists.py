"""What every staff list shares: the row checkbox is Django's own markup, made cheaply."""

from __future__ import annotations

import pytest
from django.contrib import admin

from bookings.admin.lists import QuickRows
from bookings.models import Appointment, SessionNote
from tests.factories import start_note

pytestmark = pytest.mark.django_db


def test_the_row_checkbox_is_the_markup_djangos_widget_renders(client_person, therapist, option_60):
    note = start_note(client_person, therapist, option_60)
    for obj in (note.appointment, note):
        model_admin = admin.site._registry[type(obj)]
        assert isinstance(model_admin, QuickRows)
        assert model_admin.action_checkbox(obj) == admin.ModelAdmin.action_checkbox(model_admin, obj)


def test_the_appointment_list_shows_fifty_rows_a_page(client, manager, client_person, therapist, option_60):
    for days in range(1, 53):
        start_note(client_person, therapist, option_60, days_ago=days)
    client.force_login(manager)
    body = client.get("/admin/bookings/appointment/").content.decode()
    assert body.count('class="action-select"') == 50
    assert Appointment.objects.count() == 52 and SessionNote.objects.count() == 52
