"""Every admin page a manager needs opens, whatever models the apps register."""

from html import escape

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse


def registered():
    return sorted(
        (m._meta.app_label, m._meta.model_name) for m in admin.site._registry
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("app_label", "model_name"), registered())
def test_manager_opens_each_changelist_and_add_page(client, manager, app_label, model_name):
    client.force_login(manager)
    # Single-row models (the booking policy) redirect their list to the one row.
    changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"), follow=True)
    assert changelist.status_code == 200
    model = next(m for m in admin.site._registry if m._meta.model_name == model_name and m._meta.app_label == app_label)
    request = RequestFactory().get("/")
    request.user = manager
    can_add = admin.site._registry[model].has_add_permission(request)
    add = client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    assert add.status_code == (200 if can_add else 403)


@pytest.mark.django_db
def test_admin_is_titled_for_the_clinic(client, manager, settings):
    client.force_login(manager)
    response = client.get("/admin/")
    assert escape(settings.CLINIC_NAME) in response.text


@pytest.mark.django_db
def test_manager_sees_a_search_and_filters_on_the_client_list(client, manager, client_person):
    client.force_login(manager)
    response = client.get("/admin/clinic/client/?q=lovelace")
    assert response.status_code == 200 and "Lovelace" in response.text
