"""The public booking pages: each step, bad input, honeypot, rate limit, the "just taken"
page, screening outcomes and the manage link."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, BookingDraft, OnlineBooking
from bookings.online_forms import CHOOSE_RED_FLAGS, TICK_OR_NONE
from bookings.selectors.availability import slots_available
from bookings.services.online import (
    EMAIL_INVALID,
    GENERAL_CONSENT_REQUIRED,
    PHONE_INVALID,
    POLICY_REQUIRED,
)
from bookings.views.public import BOT_REFUSED
from clinic.models import Client
from tests.bookings.conftest import (
    add_hours,
    all_no,
    confirm_review,
    flow_state,
    flow_token,
    walk_to_review,
)
from tests.conftest import make_client, run_jobs
from treatments.models import HealthIntake

pytestmark = pytest.mark.usefixtures("no_rate_limit")


@pytest.fixture
def open_therapist(therapist):
    add_hours(therapist)
    return therapist


@pytest.fixture
def first_slot(open_therapist, option_60):
    # Two days out: a slot right at the notice boundary could expire during the test.
    return slots_available(option_60, timezone.localdate() + timedelta(days=2), 7)[0]


def url(name, *args):
    return reverse(f"bookings:{name}", args=args)


def confirm(browser, **extra):
    return confirm_review(browser, **extra)


def test_a_client_books_through_every_step(first_slot, option_60, mailoutbox):
    browser = Browser()
    assert browser.get(url("book")).status_code == 200
    response = walk_to_review(browser, option_60, first_slot)
    assert response.url == url("book_review")
    page = browser.get(url("book_review")).content.decode()
    assert "Trigger point therapy" in page and "24 hours" in page and "$" in page
    response = confirm(browser)
    run_jobs()
    assert response.url == url("book_done")
    booking = OnlineBooking.objects.get()
    assert booking.appointment.starts_at == first_slot.start
    assert booking.manage_token in browser.get(url("book_done")).content.decode()
    assert len(mailoutbox) == 1
    assert flow_state(browser) == {} and not BookingDraft.objects.exists()


def test_each_step_shows_bad_input_next_to_its_field(first_slot, option_60):
    browser = Browser()
    response = browser.post(url("book"), {"option": "999999"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    browser.post(url("book"), {"option": option_60.pk})
    assert "Please choose a therapist" in browser.post(url("book_therapist"), {"therapist": "nope"}).content.decode()
    browser.post(url("book_therapist"), {"therapist": "any"})
    response = browser.post(url("book_time"), {"start": "2001-01-01T10:00:00+00:00"})
    assert response.status_code == 200 and "Please choose one of the times shown" in response.content.decode()
    response = browser.get(url("book_time"), {"day": "not-a-date"})
    assert response.status_code == 400 and "Choose a day from" in response.content.decode()
    browser.post(url("book_time"), {"start": first_slot.start.isoformat(), "day": first_slot.start.date().isoformat()})
    page = browser.post(url("book_details"), {"name": "", "email": "x", "phone": "abc"}).content.decode()
    assert EMAIL_INVALID in page and PHONE_INVALID in page and "Please tell us your name" in page
    browser.post(url("book_details"), {"name": "Nia", "email": "nia@example.com", "phone": "+1 416 555 0177"})
    page = browser.post(url("book_health"), {}).content.decode()
    assert html.escape(CHOOSE_RED_FLAGS) in page and html.escape(TICK_OR_NONE) in page
    walk_to_review(browser, option_60, first_slot)
    page = browser.post(url("book_review"), {"flow": "x"}).content.decode()
    assert POLICY_REQUIRED in page and GENERAL_CONSENT_REQUIRED in page
    assert not Appointment.objects.exists()


def test_steps_out_of_order_send_the_client_back(db):
    response = Browser().get(url("book_review"))
    assert response.status_code == 302 and response.url == url("book")


def test_honeypot_filled_books_nothing(first_slot, option_60):
    browser = Browser()
    browser.post(url("book"), {"option": option_60.pk})
    browser.post(url("book_therapist"), {"therapist": "any"})
    browser.post(url("book_time"), {"start": first_slot.start.isoformat(), "day": first_slot.start.date().isoformat()})
    response = browser.post(url("book_details"), {"name": "Bot", "email": "bot@example.com", "phone": "+1 416 555 0177", "website": "http://spam"})
    assert response.status_code == 400 and BOT_REFUSED in response.content.decode()
    assert browser.get(url("book_review")).url == url("book_details")
    assert not Client.objects.exists() and not Appointment.objects.exists()


def test_only_bookings_made_count_towards_the_rate_limit(settings, first_slot, option_60):
    settings.BOOKING_RATE_LIMIT = "1/m"
    browser = Browser()
    # Going back and forth and correcting mistakes is free.
    for _ in range(3):
        assert browser.post(url("book"), {"option": option_60.pk}).status_code == 302
        assert browser.post(url("book_details"), {"name": "", "email": "x"}).status_code in (200, 302)
    walk_to_review(browser, option_60, first_slot)
    assert confirm(browser).url == url("book_done")

    refused = Browser().post(url("book"), {"option": option_60.pk})
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Please try again in" in page and "+1 416 555 0142" in page
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_emergency_answer_shows_emergency_advice_and_keeps_nothing(first_slot, option_60):
    browser = Browser()
    response = walk_to_review(browser, option_60, first_slot, answers=all_no(option_60) | {"rf-saddle-numbness": True})
    assert response.url == url("book_advice")
    page = browser.get(response.url).content.decode()
    assert "seek emergency care now" in page and "911" in page
    assert set(flow_state(browser)) == {"outcome"}
    assert not Client.objects.exists() and not HealthIntake.objects.exists()


def test_urgent_and_do_not_treat_show_their_advice(first_slot, option_60, settings):
    browser = Browser()
    response = walk_to_review(browser, option_60, first_slot, answers=all_no(option_60) | {"rf-cancer": True})
    page = browser.get(response.url).content.decode()
    assert "Please see a doctor first" in page and settings.CLINIC_PHONE in page
    response = walk_to_review(browser, option_60, first_slot, answers=all_no(option_60) | {"ci-acute-medical": True})
    assert "book again once you are well" in browser.get(response.url).content.decode()


def test_second_client_on_the_same_slot_sees_just_taken_with_alternatives_and_keeps_answers(first_slot, option_60, open_therapist):
    first, second = Browser(), Browser()
    walk_to_review(first, option_60, first_slot, email="one@example.com", therapist=str(open_therapist.pk))
    walk_to_review(second, option_60, first_slot, email="two@example.com", therapist=str(open_therapist.pk))
    assert confirm(first).url == url("book_done")
    response = confirm(second)
    assert response.url == url("book_review")
    page = second.get(url("book_review")).content.decode()
    assert "that time has just been taken" in page and 'name="start"' in page
    state = flow_state(second)
    assert state["health"]["answers"] == all_no(option_60) and state["details"]["email"] == "two@example.com"
    alternative = state["alternatives"][0]
    assert confirm(second, start=alternative).url == url("book_done")
    assert Appointment.objects.count() == 2
    assert {a.client.email for a in Appointment.objects.select_related("client")} == {"one@example.com", "two@example.com"}


def test_double_submitted_confirmation_makes_one_booking(first_slot, option_60):
    browser = Browser()
    walk_to_review(browser, option_60, first_slot)
    flow = flow_token(browser)
    confirm(browser)
    browser.post(url("book_review"), {"flow": flow, "general_consent": "on", "policy_accepted": "on"})
    # A replay of the same form from another tab (same flow key) is also one booking.
    other = Browser()
    walk_to_review(other, option_60, slots_available(option_60, timezone.localdate(), 14)[-1])
    other.post(url("book_review"), {"flow": flow, "general_consent": "on", "policy_accepted": "on"})
    assert Appointment.objects.count() == 1 and OnlineBooking.objects.count() == 1


def test_another_flows_token_is_refused_and_never_answered_with_its_booking(first_slot, option_60):
    victim = Browser()
    walk_to_review(victim, option_60, first_slot)
    victim_flow = flow_token(victim)
    assert confirm(victim).url == url("book_done")
    attacker = Browser()
    walk_to_review(attacker, option_60, slots_available(option_60, timezone.localdate(), 14)[-1])
    page = attacker.post(url("book_review"), {"flow": victim_flow, "general_consent": "on", "policy_accepted": "on"})
    assert page.status_code == 200 and "out of date" in page.content.decode()
    booking = OnlineBooking.objects.get()
    assert booking.manage_token not in page.content.decode()
    assert attacker.get(url("book_done")).status_code == 302  # nothing to show
    assert flow_token(attacker) != victim_flow
    assert confirm(attacker).url == url("book_done")
    assert OnlineBooking.objects.count() == 2


def test_unknown_manage_token_is_a_404_page(db):
    response = Browser().get(url("manage", "no-such-token"))
    assert response.status_code == 404 and "can't find that booking" in response.content.decode()
    assert Browser().post(url("manage_cancel", "x" * 200)).status_code == 404


def test_manage_link_moves_then_cancels(first_slot, option_60, open_therapist, mailoutbox):
    browser = Browser()
    walk_to_review(browser, option_60, first_slot)
    confirm(browser)
    run_jobs()
    booking = OnlineBooking.objects.get()
    token = booking.manage_token
    assert browser.get(url("manage", token)).status_code == 200
    page = browser.get(url("manage_move", token))
    new = page.context["starts"][1]
    response = browser.post(url("manage_move", token), {"start": new, "day": page.context["start_day"].isoformat()})
    run_jobs()
    assert response.status_code == 302
    assert timezone.localtime(Appointment.objects.get().starts_at).isoformat() == new
    assert browser.post(url("manage_move", token), {"start": "bogus"}).status_code == 200
    assert "cancel" in browser.get(url("manage_cancel", token)).content.decode().lower()
    browser.post(url("manage_cancel", token))
    run_jobs()
    assert Appointment.objects.get().status == "cancelled"
    assert [m.subject.split(" –")[0] for m in mailoutbox] == [
        "Your appointment is booked", "Your appointment has moved", "Your appointment is cancelled"]


def test_returning_client_sees_the_same_pages(first_slot, option_60):
    make_client("Known", email="known@example.com")
    known = walk_to_review(Browser(), option_60, first_slot, email="known@example.com")
    unknown = walk_to_review(Browser(), option_60, first_slot, email="stranger@example.com")
    assert known.status_code == unknown.status_code and known.url == unknown.url


def test_treatment_page_book_link_preselects_the_treatment(first_slot, option_60):
    browser = Browser()
    assert "/book/?treatment=trigger-point" in browser.get(reverse("treatments:treatment_list")).content.decode()
    response = browser.get(url("book"), {"treatment": "trigger-point"})
    first_option = option_60.treatment_type.options.order_by("duration_minutes").first()
    assert response.context["form"].initial["option"] == str(first_option.pk)


def test_pages_with_the_clients_details_and_answers_are_never_stored(first_slot, option_60):
    browser = Browser()
    walk_to_review(browser, option_60, first_slot)
    pages = [url("book_details"), url("book_health"), url("book_review")]
    responses = [browser.get(page) for page in pages]
    confirm(browser)
    token = OnlineBooking.objects.get().manage_token
    for page in (url("book_done"), url("manage", token), url("manage_move", token), url("manage_cancel", token)):
        responses.append(browser.get(page))
    for response in responses:
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]
        assert "private" in response["Cache-Control"]
