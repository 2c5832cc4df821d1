"""The three staff roles exist with their permissions, and the admin enforces them."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from clinic.models import Therapist
from clinic.roles import FRONT_DESK, MANAGER, ROLES, THERAPIST
from tests.conftest import make_staff

# Models the front desk may touch: people, places, the catalogue and the diary. Anything
# else (health intake, notes, checklists, clearances, audit) is clinical and stays hidden.
FRONT_DESK_MODELS = {
    "clinic.client", "clinic.therapist", "clinic.room",
    "treatments.bodysite", "treatments.treatmenttype", "treatments.treatmentoption",
    "treatments.homecaresheet",
    "bookings.appointment", "bookings.workinghours", "bookings.timeoff", "bookings.closure",
    "bookings.bookingpolicy", "bookings.closurerange", "bookings.emaildelivery",
}
# Records nobody may change or delete through the application, the manager included.
APPEND_ONLY = {
    "accesslog", "intakechange", "contraindicationversion", "noteaddendum", "outcomeresponse",
    "recordpurge",
}


def perms_of(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.django_db
def test_the_three_roles_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


@pytest.mark.django_db
def test_front_desk_manages_clients_but_holds_no_clinical_permission():
    perms = perms_of(FRONT_DESK)
    assert {"clinic.view_client", "clinic.add_client", "clinic.change_client"} <= perms
    assert "clinic.add_therapist" not in perms
    touched = {f"{p.split('.')[0]}.{p.split('_', 1)[1]}" for p in perms}
    assert touched <= FRONT_DESK_MODELS, touched - FRONT_DESK_MODELS


@pytest.mark.django_db
def test_therapist_reads_clients_and_the_catalogue():
    perms = perms_of(THERAPIST)
    assert {"clinic.view_client", "treatments.view_treatmenttype"} <= perms
    assert "clinic.delete_client" not in perms


@pytest.mark.django_db
def test_manager_holds_every_permission_of_the_clinic_apps_except_on_append_only_records():
    perms = perms_of(MANAGER)
    for app_label in ("clinic", "treatments", "bookings"):
        for model in apps.get_app_config(app_label).get_models():
            name = model._meta.model_name
            expected = {"view"} if name in APPEND_ONLY else {"view", "add", "change", "delete"}
            for action in expected & set(model._meta.default_permissions):
                assert f"{app_label}.{action}_{name}" in perms, f"{app_label}.{action}_{name}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/admin/clinic/therapist/add/", "/admin/auth/user/", "/admin/treatments/treatmenttype/add/"],
)
def test_front_desk_is_refused_what_the_role_excludes(client, front_desk, url):
    client.force_login(front_desk)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_front_desk_can_open_the_client_list(client, front_desk):
    client.force_login(front_desk)
    assert client.get("/admin/clinic/client/").status_code == 200


# --- Permissions and roles kept on the access generation (load_access) -------------------

ACCESS_TESTS = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@ACCESS_TESTS
def test_roles_permissions_and_therapist_records_reach_the_next_staff_page(client):
    desk = make_staff(FRONT_DESK)
    client.force_login(desk)
    manager_role, desk_role = Group.objects.get(name=MANAGER), Group.objects.get(name=FRONT_DESK)
    # Either permission lets the schedule be seen.
    see_schedule = list(Permission.objects.filter(codename__in=["view_appointment", "change_appointment"]))
    reports = reverse("admin:bookings_appointment_reports")
    schedule = reverse("admin:bookings_appointment_schedule")
    my_day = reverse("admin:bookings_appointment_my_day")  # sends non-therapists away
    steps = [
        (lambda: None, {reports: 403, schedule: 200, my_day: 302}),
        (lambda: None, {reports: 403, schedule: 200, my_day: 302}),  # now from the cache
        (lambda: Therapist.objects.create(user=desk, display_name="Desk and hands"), {my_day: 200}),
        (lambda: desk.groups.add(manager_role), {reports: 200}),
        (lambda: desk.groups.remove(manager_role), {reports: 403}),
        (lambda: desk_role.permissions.remove(*see_schedule), {schedule: 403}),
        (lambda: desk.user_permissions.add(*see_schedule), {schedule: 200}),
        (lambda: desk.user_permissions.remove(*see_schedule), {schedule: 403}),
        (lambda: desk_role.permissions.add(*see_schedule), {schedule: 200}),
    ]
    for change, expected in steps:
        change()
        assert {url: client.get(url).status_code for url in expected} == expected


@ACCESS_TESTS
def test_an_account_switched_off_is_refused_at_once_whatever_the_cache(client):
    manager = make_staff(MANAGER)
    client.force_login(manager)
    reports = reverse("admin:bookings_appointment_reports")
    assert client.get(reports).status_code == 200
    manager.is_staff = False
    manager.save()
    assert client.get(reports).status_code == 302  # to the sign-in page
