"""A therapist books an 8-session plan in Chromium (two weeks collide and get other times),
the client answers the Roland-Morris questionnaire in the portal, and after the therapist
enters the fourth visit's answers the progress chart shows the change and its threshold."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from bookings.models import Appointment, OutcomeResponse, TreatmentPlan
from tests.bookings.conftest import add_hours, book
from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import make_client, make_therapist, run_jobs
from treatments.models import TreatmentOption

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TORONTO = ZoneInfo("America/Toronto")
# A Monday, in the future so the browser keeps its cookies; the course crosses the
# spring daylight-saving change (14 March 2027) and keeps its 10:00.
NOW = datetime(2027, 3, 1, 8, 30, tzinfo=TORONTO)
FIRST_MONDAY = date(2027, 3, 8)
PASSWORD = "correct horse battery"


def monday(week: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(FIRST_MONDAY + timedelta(weeks=week), time(hour, minute), tzinfo=TORONTO)


@pytest.fixture(autouse=True)
def _clinic(settings, transactional_db):
    settings.TIME_ZONE = "America/Toronto"
    settings.BOOKING_RATE_LIMIT = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(NOW, tick=True):
        yield


def test_therapist_books_a_plan_client_answers_chart_shows_the_change(page, live_server):
    maya = make_therapist("Maya Chen")
    add_hours(maya)
    ada = make_client("Ada", "Lovelace", email="ada@example.com")
    option = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)
    for week in (2, 5):  # sessions 3 and 6 collide with other clients
        book(make_client(), option, monday(week), therapist=maya, now=NOW)

    # The therapist books the plan.
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(maya.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{live_server.url}/admin/bookings/treatmentplan/add/?client={ada.pk}")
    page.get_by_label("Treatment and length").select_option(label=str(option))
    page.get_by_label("Goal").fill("Sit through a work meeting without leg pain")
    page.get_by_label("Preferred weekday").select_option(label="Monday")
    page.get_by_label("Preferred time").fill("10:00")
    page.get_by_label("Starting from").fill(FIRST_MONDAY.isoformat())
    page.get_by_label("Numeric Pain Rating Scale").check()
    page.get_by_label("Roland-Morris Disability Questionnaire").check()
    page.get_by_role("button", name="Book the plan").click()

    page.get_by_role("heading", name="Sessions that cannot be booked as planned").wait_for()
    assert page.locator("fieldset.conflict").count() == 2
    assert TreatmentPlan.objects.count() == 0 and Appointment.objects.count() == 2
    assert_accessible(page)
    screenshot(page, "plan-1-conflicts")
    page.get_by_role("button", name="Book with these choices").click()
    page.get_by_text("Booked 8 sessions.").wait_for()
    screenshot(page, "plan-2-booked")
    plan = TreatmentPlan.objects.get()
    sessions = {s.number: s.appointment for s in plan.plan_sessions.select_related("appointment")}
    assert len(sessions) == 8
    assert sessions[3].starts_at != monday(2) and sessions[8].starts_at == monday(7)
    assert sessions[2].starts_at.astimezone(TORONTO).hour == 10  # after the clocks changed
    assert page.get_by_role("row", name="Session 3 of 8").is_visible()

    # The client signs into the portal with an emailed link and answers Roland-Morris.
    client_page = page.context.browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    client_page.goto(live_server.url + "/portal/")
    client_page.get_by_label("Your email address").fill("ada@example.com")
    client_page.get_by_role("button", name="Email me a sign-in link").click()
    client_page.wait_for_url("**/portal/sent/")
    run_jobs()  # the worker makes the link and sends it
    link = next(w for w in mail.outbox[-1].body.split() if "/portal/sign-in/" in w)
    client_page.goto(live_server.url + urlparse(link).path)
    client_page.get_by_role("button", name="Continue to my bookings").click()
    client_page.get_by_role("heading", name="Before your next visit").wait_for()
    assert client_page.get_by_text("Attended 0, cancelled 0, still to come 8.").is_visible()
    client_page.get_by_role("link", name="Roland-Morris Disability Questionnaire").click()
    client_page.get_by_role("button", name="Send my answers").wait_for()
    assert_accessible(client_page)
    screenshot(client_page, "plan-3-questionnaire")
    boxes = client_page.locator("input[type=checkbox]")
    assert boxes.count() == 24
    for n in range(12):
        boxes.nth(n).check()
    client_page.get_by_role("button", name="Send my answers").click()
    client_page.get_by_text("can no longer be changed").wait_for()
    assert client_page.locator("input[type=checkbox]").count() == 0
    screenshot(client_page, "plan-4-answered")
    baseline = OutcomeResponse.objects.get()
    assert (baseline.score, baseline.source, baseline.appointment_id) == (12, "portal", sessions[1].pk)

    # At the fourth visit the therapist enters the answers on the plan's page.
    page.reload()
    page.get_by_role("link", name="Roland-Morris (0-24) (enter)").first.click()  # session 4
    page.get_by_role("button", name="Save the answers").wait_for()
    checkboxes = page.locator("input[type=checkbox]")
    for n in range(5):
        checkboxes.nth(n).check()
    page.get_by_role("button", name="Save the answers").click()
    page.get_by_text("saved for session 4").wait_for()

    chart = page.locator("#outcome-rmdq")
    assert chart.locator("svg line.threshold").count() == 1
    assert "Meaningful change (8.4)" in chart.locator("svg").inner_html()
    assert chart.locator("svg circle.reached").count() == 1
    assert chart.get_by_role("row", name="Session 4").get_by_text("Yes").is_visible()
    assert chart.get_by_text("meaningful change reached").is_visible()
    assert_accessible(page)
    screenshot(page, "plan-5-chart")
