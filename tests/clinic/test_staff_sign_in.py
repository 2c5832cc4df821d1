"""Staff sign-in: lockout after repeated failures (django-axes), Argon2 hashes, and the second
factor for the roles that see clinical records (django-otp)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.mfa import needs_second_factor
from clinic.roles import FRONT_DESK, MANAGER
from tests.conftest import make_staff

PASSWORD = "correct horse battery"
LOGIN = "/admin/login/?next=/admin/"


def sign_in(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra)


def test_right_password_is_refused_while_the_account_is_locked(client, settings, db):
    user = make_staff(MANAGER, username="mgr")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "mgr", "wrong password").status_code == 200  # the form again
    locked = sign_in(client, "mgr", "wrong password")
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()

    refused = sign_in(client, "mgr", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page
    user.refresh_from_db()
    assert user.last_login is None


def test_one_address_trying_many_usernames_is_locked_out(client, settings, db):
    make_staff(FRONT_DESK, username="desk")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{n}", "wrong password")
    assert sign_in(client, "desk", PASSWORD).status_code == 429


def test_a_successful_sign_in_clears_earlier_failures(client, settings, db):
    make_staff(FRONT_DESK, username="desk")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "desk", "wrong password")
    assert sign_in(client, "desk", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "desk", "wrong password")
    assert sign_in(client, "desk", PASSWORD).status_code == 302


@override_settings(
    AXES_IPWARE_PROXY_COUNT=1,
    AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
    AXES_LOCKOUT_PARAMETERS=["ip_address"],
)
def test_behind_the_proxy_each_forwarded_client_address_is_counted_apart(client, settings, db):
    make_staff(FRONT_DESK, username="desk")
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.2", "REMOTE_ADDR": "10.0.0.2"}
    colleague = {"HTTP_X_FORWARDED_FOR": "198.51.100.4, 10.0.0.2", "REMOTE_ADDR": "10.0.0.2"}
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{n}", "wrong password", **attacker)
    assert sign_in(client, "desk", PASSWORD, **attacker).status_code == 429
    assert sign_in(client, "desk", PASSWORD, **colleague).status_code == 302


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
def test_a_pbkdf2_password_is_rehashed_with_argon2_at_sign_in(client, db):
    user = make_staff(FRONT_DESK, username="desk")
    User.objects.filter(pk=user.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    assert sign_in(client, "desk", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    client.logout()
    assert sign_in(client, "desk", PASSWORD).status_code == 302


def test_the_production_hasher_list_starts_with_argon2():
    from clinic import settings as project_settings

    production = [h for h in project_settings.PASSWORD_HASHERS if "MD5" not in h]
    assert production[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production


# --- The second factor --------------------------------------------------------------------


def test_roles_that_see_clinical_records_need_a_second_factor(db, manager, front_desk, therapist):
    assert needs_second_factor(manager)
    assert needs_second_factor(therapist.user)
    assert not needs_second_factor(front_desk)


def test_with_the_setting_off_staff_go_straight_in(client, therapist):
    client.force_login(therapist.user)
    assert client.get("/admin/clinic/client/").status_code == 200


def _confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@override_settings(STAFF_MFA_REQUIRED=True)
def test_a_therapist_without_an_app_is_sent_to_enrol_before_any_staff_page(client, therapist):
    client.force_login(therapist.user)
    for path in ("/admin/", "/admin/clinic/client/", "/staff/notes/00000000-0000-0000-0000-000000000000/print/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("mfa_setup") + "?next=")
    page = client.get(reverse("mfa_setup"))
    assert page.status_code == 200
    assert b"<svg" in page.content
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]


@override_settings(STAFF_MFA_REQUIRED=True)
def test_enrolment_confirms_the_app_and_shows_recovery_codes_once(client, therapist):
    client.force_login(therapist.user)
    client.get(reverse("mfa_setup"))
    device = TOTPDevice.objects.get(user=therapist.user)
    assert not device.confirmed

    wrong = client.post(reverse("mfa_setup"), {"code": "000000"})
    assert wrong.status_code == 200 and "did not match" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes the next try wait a second after a wrong code

    done = client.post(reverse("mfa_setup"), {"code": _code(device), "next": "/admin/clinic/client/"})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    codes_page = client.get(done["Location"])
    codes = list(StaticToken.objects.filter(device__user=therapist.user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in codes_page.content.decode() for code in codes)
    assert 'href="/admin/clinic/client/"' in codes_page.content.decode()
    assert client.get(done["Location"]).status_code == 302  # shown once
    assert client.get("/admin/clinic/client/").status_code == 200


@override_settings(STAFF_MFA_REQUIRED=True)
def test_a_new_session_needs_the_code_and_a_recovery_code_works_once(client, manager):
    device = _confirmed_device(manager)
    client.force_login(manager)
    assert client.get("/admin/")["Location"] == reverse("mfa_verify") + "?next=%2Fadmin%2F"
    # Someone who knows the password cannot enrol a second app of their own.
    assert client.get(reverse("mfa_setup")).status_code == 302
    assert TOTPDevice.objects.filter(user=manager).count() == 1

    assert "did not match" in client.post(reverse("mfa_verify"), {"code": "123456"}).content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes the next try wait a second after a wrong code

    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=manager, name="Recovery codes")
    static.token_set.create(token="abcd2345")
    signed_in = client.post(reverse("mfa_verify"), {"code": "ABCD 2345", "next": "/admin/"})
    assert signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert not static.token_set.exists()

    client.logout()
    client.force_login(manager)
    assert "did not match" in client.post(reverse("mfa_verify"), {"code": "abcd2345"}).content.decode()


@override_settings(STAFF_MFA_REQUIRED=True)
def test_the_code_page_never_redirects_off_site(client, manager):
    device = _confirmed_device(manager)
    client.force_login(manager)
    response = client.post(reverse("mfa_verify"), {"code": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:index")


@override_settings(STAFF_MFA_REQUIRED=True)
def test_front_desk_needs_no_second_factor(client, front_desk):
    client.force_login(front_desk)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("wait,words", [(900, "15 minutes"), (60, "1 minute"), (61, "2 minutes"), (45, "45 seconds"), (7200, "2 hours")])
def test_waits_are_said_in_words(wait, words):
    from clinic.templatetags.clinic_text import wait_in_words

    assert wait_in_words(wait) == words
