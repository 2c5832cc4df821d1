"""The clinic's admin site: one site class hosts every model page and the workspace."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from bookings.admin_site import ClinicAdminSite, navigation
from clinic.roles import FRONT_DESK, MANAGER
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

WORKSPACE = [
    "admin:bookings_appointment_schedule",
    "admin:bookings_appointment_week",
    "admin:bookings_appointment_reports",
    "admin:bookings_appointment_onboard",
    "admin:bookings_sessionnote_to_sign",
]


def test_admin_site_is_the_clinic_site_and_every_model_admin_belongs_to_it():
    assert isinstance(admin.site, ClinicAdminSite)
    assert admin.site._registry
    sites = {id(model_admin.admin_site) for model_admin in admin.site._registry.values()}
    assert sites == {id(admin.site._wrapped)}


@pytest.mark.parametrize("name", WORKSPACE)
def test_manager_opens_each_workspace_page(client, manager, name):
    client.force_login(manager)
    assert client.get(reverse(name)).status_code == 200


def test_front_desk_sees_the_schedule_but_not_the_manager_pages(client, front_desk):
    client.force_login(front_desk)
    assert client.get(reverse("admin:bookings_appointment_schedule")).status_code == 200
    assert client.get(reverse("admin:bookings_appointment_reports")).status_code == 403
    assert client.get(reverse("admin:bookings_appointment_onboard")).status_code == 403


def test_the_index_lists_the_workspace_first_for_a_manager(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:index"))
    app_list = response.context["app_list"]
    assert app_list[0]["name"] == "Workspace"
    urls = [m["admin_url"] for m in app_list[0]["models"]]
    assert urls == [
        reverse("admin:bookings_appointment_calendar"),
        reverse("admin:bookings_appointment_schedule"),
        reverse("admin:bookings_appointment_week"),
        reverse("admin:bookings_sessionnote_to_sign"),
        reverse("admin:bookings_appointment_reports"),
        reverse("admin:bookings_appointment_onboard"),
    ]


def test_an_app_index_is_only_that_app(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:app_list", args=["bookings"]))
    assert [app["app_label"] for app in response.context["app_list"]] == ["bookings"]


def test_reset_feed_changes_the_token_and_never_redirects_off_site(client, therapist):
    client.force_login(therapist.user)
    old = therapist.calendar_token
    url = reverse("admin:bookings_appointment_reset_feed", args=[therapist.pk])
    response = client.post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:bookings_appointment_my_day")
    therapist.refresh_from_db()
    assert therapist.calendar_token != old


def test_a_therapist_may_not_reset_another_therapists_feed(client, therapist, other_therapist):
    client.force_login(therapist.user)
    url = reverse("admin:bookings_appointment_reset_feed", args=[other_therapist.pk])
    assert client.post(url).status_code == 403


# --- The app list and the side bar, cached per navigation scope ---------------------------

SIDEBAR = re.compile(r'<nav class="sticky" id="nav-sidebar".*?</nav>', re.S)
# Pages that share the side bar's current links (the first two) and pages that do not.
SIDEBAR_PAGES = [
    "/admin/bookings/appointment/",
    "/admin/bookings/appointment/schedule/",
    "/admin/bookings/sessionnote/to-sign/",
    "/admin/clinic/client/",
    "/admin/clinic/therapist/",
]
# Every model admin method that decides a permission itself, reviewed: each decides from
# the user's permissions and roles, or answers a constant, as the cache key assumes
# (bookings.admin_site.navigation_scope).
REVIEWED_PERMISSION_CHECKS = {
    "axes.admin.AccessAttemptAdmin.has_add_permission",
    "axes.admin.AccessFailureLogAdmin.has_add_permission",
    "axes.admin.AccessLogAdmin.has_add_permission",
    "bookings.admin.care.EmergencyAccessAdmin.has_change_permission",
    "bookings.admin.care.EmergencyAccessAdmin.has_delete_permission",
    "bookings.admin.mail.EmailDeliveryAdmin.has_add_permission",
    "bookings.admin.mail.EmailDeliveryAdmin.has_delete_permission",
    "bookings.admin.mail.UpkeepJobAdmin.has_add_permission",
    "bookings.admin.notes.AccessLogAdmin.has_add_permission",
    "bookings.admin.notes.AccessLogAdmin.has_change_permission",
    "bookings.admin.notes.AccessLogAdmin.has_delete_permission",
    "bookings.admin.notes.AccessLogAdmin.has_module_permission",
    "bookings.admin.notes.AccessLogAdmin.has_view_permission",
    "bookings.admin.notes.SessionNoteAdmin.has_change_permission",
    "bookings.admin.notes.SessionNoteAdmin.has_delete_permission",
    "bookings.admin.online.OnlineSubmissionAdmin.has_add_permission",
    "bookings.admin.online.OnlineSubmissionAdmin.has_change_permission",
    "bookings.admin.online.OnlineSubmissionAdmin.has_delete_permission",
    "bookings.admin.plans.TreatmentPlanAdmin.has_change_permission",
    "bookings.admin.schedule.BookingPolicyAdmin.has_add_permission",
    "bookings.admin.schedule.BookingPolicyAdmin.has_delete_permission",
    "django_tasks_db.admin.DBTaskResultAdmin.has_add_permission",
    "django_tasks_db.admin.DBTaskResultAdmin.has_change_permission",
    "django_tasks_db.admin.DBTaskResultAdmin.has_delete_permission",
    "treatments.admin.ConsentAdmin.has_add_permission",
    "treatments.admin.HealthRecordChangeAdmin.has_add_permission",
    "treatments.admin.HealthRecordChangeAdmin.has_change_permission",
    "treatments.admin.HealthRecordChangeAdmin.has_delete_permission",
}


def sidebar_of(response) -> str:
    match = SIDEBAR.search(response.content.decode())
    assert match, "the page has no side bar"
    return match.group(0)


@pytest.fixture(params=["front desk", "therapist", "manager", "superuser"])
def staff_member(request, therapist):
    return {
        "front desk": lambda: make_staff(FRONT_DESK),
        "therapist": lambda: therapist.user,
        "manager": lambda: make_staff(MANAGER),
        "superuser": lambda: make_staff(None, is_superuser=True),
    }[request.param]()


def test_the_cached_side_bar_is_the_one_django_renders_on_every_page(client, staff_member, monkeypatch):
    client.force_login(staff_member)
    pages = [page for page in SIDEBAR_PAGES if client.get(page).status_code == 200]
    assert len(pages) >= 3
    with monkeypatch.context() as patched:
        # Without the cached HTML, admin/base.html includes Django's side bar template, fed
        # with an app list built afresh for each page.
        patched.setattr(ClinicAdminSite, "each_context", admin.AdminSite.each_context)
        fresh = {}
        for page in pages:
            navigation.entries.clear()
            fresh[page] = sidebar_of(client.get(page))
    navigation.entries.clear()
    for page in pages:
        client.get(page)
    for page in pages:
        assert sidebar_of(client.get(page)) == fresh[page]
    assert 'aria-current="page"' in fresh[pages[0]]


def test_each_role_gets_its_own_side_bar_and_a_role_change_shows_on_the_next_page(client, manager):
    schedule = reverse("admin:bookings_appointment_schedule")
    client.force_login(manager)
    assert "Weekly report" in sidebar_of(client.get(schedule))
    desk = make_staff(FRONT_DESK)
    client.force_login(desk)
    assert "Weekly report" not in sidebar_of(client.get(schedule))
    assert "Session notes" not in sidebar_of(client.get(schedule))
    desk.groups.add(Group.objects.get(name=MANAGER))
    assert "Weekly report" in sidebar_of(client.get(schedule))
    desk.groups.remove(Group.objects.get(name=MANAGER))
    assert "Weekly report" not in sidebar_of(client.get(schedule))


def test_a_therapist_record_shows_my_day_on_the_next_page(client, front_desk):
    from clinic.models import Therapist

    client.force_login(front_desk)
    schedule = reverse("admin:bookings_appointment_schedule")
    assert "My day" not in sidebar_of(client.get(schedule))
    Therapist.objects.create(user=front_desk, display_name="Desk and hands")
    assert "My day" in sidebar_of(client.get(schedule))


def test_model_admins_decide_permissions_only_from_what_the_navigation_cache_is_keyed_on():
    """The app list is cached per permissions, roles and therapist record: a model admin
    whose permission check reads anything else would be listed wrongly. Review a new check
    (or change the key), then add it here."""
    found = set()
    for model_admin in admin.site._registry.values():
        for name in (
            "has_module_permission", "has_view_permission", "has_add_permission",
            "has_change_permission", "has_delete_permission",
        ):
            owner = next(k for k in type(model_admin).__mro__ if name in vars(k))
            if not owner.__module__.startswith("django.contrib.admin"):
                found.add(f"{owner.__module__}.{owner.__qualname__}.{name}")
    assert found == REVIEWED_PERMISSION_CHECKS
