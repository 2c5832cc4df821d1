"""The clinic's admin site: one site class hosts every model page and the workspace."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from bookings.admin_site import ClinicAdminSite

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
