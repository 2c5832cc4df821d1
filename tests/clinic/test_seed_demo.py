from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("auth", "clinic", "treatments", "bookings")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.mark.django_db
def test_seed_demo_twice_leaves_the_same_row_counts(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    first = row_counts()
    call_command("seed_demo", stdout=StringIO())
    assert row_counts() == first
    assert first["clinic.Therapist"] == 3 and first["clinic.Client"] >= 8


@pytest.mark.django_db
def test_seed_demo_prints_the_staff_login(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "admin / clinic-demo-2026" in out


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_demo")
