"""Access follows care: therapists read the records of clients they have treated, or that
someone else booked with them within the preparation window; a therapist who books or
moves a client onto themselves gets nothing before check-in; therapists change only their
own appointments; anything else is "break the glass". Ends with the role walk over every
admin and staff URL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bookings.models import AccessLog, AppointmentSource, EmergencyAccess
from bookings.models.notes import AccessAction
from bookings.portal_session import PORTAL_SESSION_KEY
from bookings.selectors.visibility import can_read_client_record, clients_in_care_of
from bookings.services import care
from bookings.services.appointments import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_set_status,
)
from bookings.services.notes import note_create
from bookings.services.online import ClientDetails, online_booking_create
from bookings.services.submissions import submission_confirm_by_staff
from tests.bookings.conftest import MONDAY, NOW, add_hours, all_no, book, local, treat
from tests.conftest import make_client, make_therapist
from treatments import services as clinical

pytestmark = pytest.mark.django_db

SATURDAY = MONDAY - timedelta(days=2)  # 22 hours after NOW at 10:00: inside the 24-hour window


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.BOOKING_RATE_LIMIT = ""
    settings.CARE_PREPARATION_HOURS = 24
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def second_therapist(db):
    therapist = make_therapist("Sam Second")
    add_hours(therapist)
    return therapist


def _staff_book(client, option, starts_at, therapist, by):
    return appointment_book(
        client=client, option=option, starts_at=starts_at, therapist=therapist,
        source=AppointmentSource.STAFF, by=by, now=NOW,
    )


def test_a_treated_client_is_in_care_and_a_merely_booked_one_is_not_until_the_window(
    working_therapist, option_60, client_person, other_client, front_desk
):
    past = book(client_person, option_60, local(MONDAY, 10), therapist=working_therapist)
    assert not clients_in_care_of(working_therapist).filter(pk=client_person.pk).exists()
    treat(past)
    assert clients_in_care_of(working_therapist).filter(pk=client_person.pk).exists()

    upcoming = _staff_book(other_client, option_60, local(MONDAY, 12), working_therapist, front_desk)
    assert not clients_in_care_of(working_therapist, now=NOW).filter(pk=other_client.pk).exists()
    day_before = upcoming.starts_at - timedelta(hours=23)
    assert clients_in_care_of(working_therapist, now=day_before).filter(pk=other_client.pk).exists()
    after = upcoming.ends_at + timedelta(minutes=1)
    assert not clients_in_care_of(working_therapist, now=after).filter(pk=other_client.pk).exists()
    appointment_cancel(appointment=upcoming, reason="test", by=front_desk, now=NOW)
    assert not clients_in_care_of(working_therapist, now=day_before).filter(pk=other_client.pk).exists()


def test_the_preparation_window_is_a_setting(working_therapist, option_60, other_client, front_desk, settings):
    upcoming = _staff_book(other_client, option_60, local(MONDAY, 12), working_therapist, front_desk)
    three_days = upcoming.starts_at - timedelta(hours=70)
    assert not clients_in_care_of(working_therapist, now=three_days).filter(pk=other_client.pk).exists()
    settings.CARE_PREPARATION_HOURS = 72
    assert clients_in_care_of(working_therapist, now=three_days).filter(pk=other_client.pk).exists()


def test_a_therapist_who_books_a_client_on_themselves_gets_nothing_before_check_in(
    working_therapist, option_60, client_person
):
    me = working_therapist.user
    appointment = _staff_book(client_person, option_60, local(SATURDAY, 10), working_therapist, me)
    assert appointment.assigned_by == me
    assert not can_read_client_record(me, client_person)
    treat(appointment)
    assert can_read_client_record(me, client_person)


def test_an_unconfirmed_online_booking_grants_nothing_and_a_confirmed_one_does(
    working_therapist, option_60, client_person, front_desk
):
    booking = online_booking_create(
        option=option_60, starts_at=local(SATURDAY, 10), therapist=working_therapist,
        details=ClientDetails(client_person.full_name, client_person.email.upper(), "+1 416 555 0100"),
        answers=all_no(option_60), sensitive_consents=[], general_consent=True,
        policy_accepted=True, now=NOW,
    )
    assert not can_read_client_record(working_therapist.user, client_person)
    submission_confirm_by_staff(submission=booking.submission, by=front_desk, now=NOW)
    assert can_read_client_record(working_therapist.user, client_person)


def test_therapists_change_only_their_own_appointments_and_never_reassign(
    working_therapist, second_therapist, option_60, client_person, front_desk, manager
):
    mine = _staff_book(client_person, option_60, local(MONDAY, 10), working_therapist, front_desk)
    other = second_therapist.user
    refusals = [
        lambda: appointment_reschedule(appointment=mine, starts_at=local(MONDAY, 11), by=other, now=NOW),
        lambda: appointment_reschedule(
            appointment=mine, starts_at=local(MONDAY, 11), therapist=second_therapist,
            by=working_therapist.user, now=NOW,
        ),
        lambda: appointment_cancel(appointment=mine, reason="x", by=other, now=NOW),
        lambda: appointment_set_status(appointment=mine, from_status="booked", to_status="confirmed", by=other),
        lambda: _staff_book(client_person, option_60, local(MONDAY, 14), working_therapist, other),
        lambda: appointment_book(
            client=client_person, option=option_60, starts_at=local(MONDAY, 15),
            source=AppointmentSource.STAFF, by=other, now=NOW,
        ),
    ]
    for attempt in refusals:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.code in ("not_your_appointment", "no_reassigning")
    mine.refresh_from_db()
    assert (mine.therapist, mine.starts_at, mine.status) == (working_therapist, local(MONDAY, 10), "booked")

    moved = appointment_reschedule(appointment=mine, starts_at=local(MONDAY, 11), by=working_therapist.user, now=NOW)
    assert moved.starts_at == local(MONDAY, 11)
    handed = appointment_reschedule(
        appointment=mine, starts_at=local(MONDAY, 11), therapist=second_therapist, by=front_desk, now=NOW
    )
    assert (handed.therapist, handed.assigned_by) == (second_therapist, front_desk)
    appointment_reschedule(appointment=mine, starts_at=local(MONDAY, 12), therapist=working_therapist, by=manager, now=NOW)


def test_the_admin_refuses_a_therapist_moving_anothers_appointment_onto_themselves(
    working_therapist, second_therapist, option_60, client_person, front_desk
):
    theirs = _staff_book(client_person, option_60, local(SATURDAY, 10), working_therapist, front_desk)
    browser = Browser()
    browser.force_login(second_therapist.user)
    url = reverse("admin:bookings_appointment_change", args=[theirs.pk])
    response = browser.post(url, {
        "therapist": second_therapist.pk,
        "starts_at_0": "2026-11-21", "starts_at_1": "10:00:00",
        "status": "booked", "cancellation_reason": "",
    })
    assert response.status_code in (200, 403, 404)
    theirs.refresh_from_db()
    assert theirs.therapist == working_therapist
    assert not can_read_client_record(second_therapist.user, client_person)


def test_breaking_the_glass_needs_a_reason_is_logged_limited_in_time_and_listed_for_the_manager(
    working_therapist, client_person, manager, front_desk, settings
):
    me = working_therapist.user
    assert not can_read_client_record(me, client_person)
    with pytest.raises(ValidationError):
        care.break_the_glass(user=me, client=client_person, reason="  ", now=NOW)
    with pytest.raises(ValidationError):
        care.break_the_glass(user=front_desk, client=client_person, reason="Client collapsed in the lobby", now=NOW)

    browser = Browser()
    browser.force_login(me)
    page = browser.get(reverse("admin:clinic_client_change", args=[client_person.pk])).content.decode()
    assert "break the glass" in page
    response = browser.post(
        reverse("admin:bookings_emergencyaccess_add"),
        {"client": client_person.pk, "reason": "Client called with a reaction after treatment"},
    )
    assert response.status_code == 302
    grant = EmergencyAccess.objects.get()
    assert grant.user == me and grant.expires_at == NOW + timedelta(minutes=settings.BREAK_GLASS_MINUTES)
    assert AccessLog.objects.filter(user=me, action=AccessAction.BREAK_GLASS, client=client_person).count() == 1
    assert can_read_client_record(me, client_person)
    with time_machine.travel(grant.expires_at + timedelta(seconds=1), tick=False):
        assert not can_read_client_record(me, client_person)

    boss = Browser()
    boss.force_login(manager)
    listing = boss.get(reverse("admin:bookings_emergencyaccess_changelist")).content.decode()
    assert client_person.full_name in listing
    assert "reaction" not in str(grant) and "reaction" not in AccessLog.objects.get(action="glass").object_id


# --- The role walk ----------------------------------------------------------------------


@pytest.fixture
def world(working_therapist, second_therapist, option_60, front_desk, manager):
    """Grace, treated by Maya (completed visit, a note, intake, consent, clearance); Sam,
    the second therapist, books her with himself tomorrow in the admin and again online
    with her email, both inside the preparation window."""
    grace = make_client("Grace", "Known", email="grace@example.com", phone="+1 416 555 0100")
    visit = book(grace, option_60, local(MONDAY, 10), therapist=working_therapist)
    treat(visit)
    note = note_create(appointment=visit, by=working_therapist.user, now=NOW)
    intake = clinical.intake_get_or_create(client=grace, by=manager, now=NOW)
    clinical.answers_record(intake=intake, answers={"ci-anticoagulant": True}, by=manager, now=NOW)
    consent = clinical.consent_give(client=grace, kind="general", method="written", by=manager, now=NOW)
    clearance = clinical.clearance_record(
        client=grace, given_by="Dr Who", given_on=NOW.date(), by=manager, items=["ci-anticoagulant"], now=NOW
    )
    sam = second_therapist
    _staff_book(grace, option_60, local(SATURDAY, 10), sam, sam.user)
    online_booking_create(
        option=option_60, starts_at=local(SATURDAY, 12), therapist=sam,
        details=ClientDetails("Sam Pretending", "GRACE@example.com", "+1 416 555 0999"),
        answers=all_no(option_60), sensitive_consents=[], general_consent=True,
        policy_accepted=True, now=NOW,
    )
    portal = Browser()
    session = portal.session
    session[PORTAL_SESSION_KEY] = grace.pk
    session.save()
    return {
        "grace": grace, "visit": visit, "note": note, "intake": intake, "consent": consent,
        "clearance": clearance, "portal": portal,
    }


def _browser(user) -> Browser:
    browser = Browser()
    if user is not None:
        browser.force_login(user)
    return browser


def _admin_patterns():
    """(model, url name, pattern) of every admin URL that names a model."""
    site_patterns = next(
        p for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and getattr(p, "namespace", None) == "admin"
    )
    for pattern in site_patterns.url_patterns:
        if not isinstance(pattern, URLResolver):
            continue
        for model_resolver in pattern.url_patterns:
            inner = model_resolver.url_patterns if isinstance(model_resolver, URLResolver) else [model_resolver]
            for leaf in inner:
                if isinstance(leaf, URLPattern) and leaf.name:
                    yield leaf.name


def _fill(name: str, samples: dict[str, int]) -> str | None:
    """The URL for admin view `name` with a sample object, or None when none fits."""
    match = re.match(r"^(\w+?)_(\w+?)_(changelist|add|change|history|delete)$", name)
    try:
        if match:
            app, model, view = match.groups()
            if view in ("changelist", "add"):
                return reverse(f"admin:{name}")
            pk = samples.get(f"{app}.{model}")
            return reverse(f"admin:{name}", args=[pk]) if pk else None
        return reverse(f"admin:{name}")
    except Exception:  # views that need other arguments (ids of their own)
        return None


def test_the_role_walk(world, working_therapist, second_therapist, front_desk, manager):
    grace = world["grace"]
    samples = {
        "treatments.healthintake": world["intake"].pk,
        "treatments.consent": world["consent"].pk,
        "treatments.medicalclearance": world["clearance"].pk,
        "bookings.sessionnote": world["note"].pk,
        "bookings.appointment": world["visit"].pk,
        "clinic.client": grace.pk,
        "clinic.therapist": working_therapist.pk,
    }
    personas = {
        "anonymous": Browser(),
        "portal client": world["portal"],
        "front desk": _browser(front_desk),
        "treating therapist": _browser(working_therapist.user),
        "self-booking therapist": _browser(second_therapist.user),
        "manager": _browser(manager),
    }
    # Grace's clinical records: exactly who gets what.
    record_urls = [
        reverse("admin:treatments_healthintake_change", args=[world["intake"].pk]),
        reverse("admin:treatments_consent_change", args=[world["consent"].pk]),
        reverse("admin:treatments_medicalclearance_change", args=[world["clearance"].pk]),
        reverse("admin:bookings_sessionnote_change", args=[world["note"].pk]),
        reverse("bookings:note_print", args=[world["note"].public_id]),
    ]
    expected_records = {
        "anonymous": 302, "portal client": 302, "front desk": {403, 404},
        "treating therapist": 200, "self-booking therapist": 404, "manager": 200,
    }
    for persona, browser in personas.items():
        for url in record_urls:
            status = browser.get(url).status_code
            want = expected_records[persona]
            assert status in (want if isinstance(want, set) else {want}), (persona, url, status)

    # Every other admin URL: outsiders are sent to sign in, staff never see a 500, and a
    # page a role has no permission for is a 403.
    urls = {u for u in (_fill(n, samples) for n in _admin_patterns()) if u}
    urls |= {reverse("admin:index")}
    assert len(urls) > 40
    for persona, browser in personas.items():
        for url in sorted(urls):
            response = browser.get(url)
            if persona in ("anonymous", "portal client"):
                assert response.status_code == 302 and "/admin/login/" in response.url, (persona, url)
            else:
                assert response.status_code in (200, 302, 403, 404, 405), (persona, url, response.status_code)
    # The self-booking therapist's own client page shows no health record for Grace.
    page = personas["self-booking therapist"].get(reverse("admin:clinic_client_change", args=[grace.pk]))
    assert page.status_code == 200 and 'id="clinical"' not in page.content.decode()
    assert admin.site.is_registered(EmergencyAccess)


def test_the_staff_calendar_api_refuses_a_therapist_taking_anothers_appointment(
    working_therapist, second_therapist, option_60, client_person, front_desk
):
    import json

    theirs = _staff_book(client_person, option_60, local(SATURDAY, 10), working_therapist, front_desk)
    sam = _browser(second_therapist.user)
    response = sam.post(
        f"/api/staff/appointments/{theirs.pk}/move",
        data=json.dumps({"start": "2026-11-21T10:00:00", "therapist": second_therapist.pk}),
        content_type="application/json",
    )
    assert response.status_code == 403, response.content
    theirs.refresh_from_db()
    assert theirs.therapist == working_therapist
    assert not can_read_client_record(second_therapist.user, client_person)


def test_a_plan_a_therapist_books_for_a_new_client_grants_no_early_access_but_shows_the_plan(
    working_therapist, second_therapist, option_60, client_person
):
    from bookings.selectors.visibility import plans_visible_to
    from bookings.services.plans import plan_book
    from tests.bookings.conftest import spec_for

    me = working_therapist.user
    with time_machine.travel(local(MONDAY, 9), tick=False):
        plan = plan_book(spec=spec_for(client_person, working_therapist, option_60), by=me, now=NOW)
        assert all(s.appointment.assigned_by == me for s in plan.plan_sessions.select_related("appointment"))
        assert not can_read_client_record(me, client_person)  # first session within the hour
        assert plans_visible_to(me).filter(pk=plan.pk).exists()
        assert not plans_visible_to(second_therapist.user).filter(pk=plan.pk).exists()
    with pytest.raises(ValidationError):
        plan_book(spec=spec_for(client_person, working_therapist, option_60, first_date=MONDAY + timedelta(days=70)),
                  by=second_therapist.user, now=NOW)
