"""Every public and portal page a client can reach, on a phone (390 px) and a desktop
(1280 px): axe-core finds nothing, the WCAG 2.2 checks axe lacks hold (targets of 24 px,
focus never hidden, no sideways scrolling with a 160-character name), no double full stops,
and no Content-Security-Policy violation (the `browser` fixture fails on any). A screenshot
of each page is kept in the test's tmp dir."""

from __future__ import annotations

import io
from datetime import time, timedelta
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image

from bookings.models import AppointmentSource
from bookings.selectors.availability import slots_available
from bookings.services.appointments import appointment_cancel
from bookings.services.plans import plan_book
from bookings.services.portal import portal_link_issue
from bookings.services.therapists import therapist_save
from clinic.error_pages import server_error
from clinic.models import Therapist
from tests.bookings.conftest import add_hours, book, book_online, spec_for
from tests.browser.conftest import WIDTHS, axe_violations, layout_problems, open_page
from tests.conftest import make_client, make_therapist, run_jobs
from tests.factories import past_appointment
from treatments.models import TreatmentOption

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# 160 characters, split at the space into a 100-character first name and a last name.
LONG_NAME = ("Aurelia-Maximiliana-" + "x" * 80, "Vandenberghe-" + "y" * 46)


@pytest.fixture
def clinic(settings, tmp_path):
    """A therapist with a photo and a long name, a client with a 160-character name and
    every kind of appointment: online and staff booked to come, one past, one cancelled."""
    settings.TIME_ZONE = "America/Toronto"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BOOKING_RATE_LIMIT = "1/h"  # the second sign-in email asked for gets the 429 page
    maya = make_therapist(
        "Maya Chen-Abernathy-Vanderberg-Rosenthal-Okonkwo-Fitzgerald",
        registration_number="RMT-4411",
        bio="Sciatica and hip pain, with gentle trigger point work.",
    )
    out = io.BytesIO()
    Image.new("RGB", (900, 900), (90, 140, 170)).save(out, format="JPEG")
    maya.photo = SimpleUploadedFile("maya.jpg", out.getvalue(), content_type="image/jpeg")
    therapist_save(therapist=maya)
    add_hours(maya)
    add_hours(make_therapist("Sam Okafor"))
    person = make_client(*LONG_NAME, email="aurelia@example.com")
    option = TreatmentOption.objects.get(treatment_type__code="trigger-point", duration_minutes=60)
    now = timezone.now()
    slots = slots_available(option, timezone.localdate() + timedelta(days=2), 7, therapist=maya)
    first, second, third = list({timezone.localdate(s.start): s for s in reversed(slots)}.values())[
        -3:
    ]
    online = book_online(option, first.start, email=person.email, now=now)  # no preference
    staff = book(person, option, second.start, maya, source=AppointmentSource.STAFF, now=now)
    gone = book(person, option, third.start, maya, source=AppointmentSource.STAFF, now=now)
    appointment_cancel(appointment=gone, reason="Client called", notify=False, now=now)
    past_appointment(person, maya, option, days_ago=14)
    monday = timezone.localdate() + timedelta(days=14 - timezone.localdate().weekday())
    plan_book(
        spec=spec_for(person, maya, option, sessions=2, first_date=monday, start_time=time(15)),
        now=now,
    )
    run_jobs()
    mail.outbox.clear()
    return {"person": person, "online": online, "staff": staff}


def _sign_in_link(email: str) -> str:
    portal_link_issue(email=email)
    run_jobs()
    link = next(w for w in mail.outbox[-1].body.split() if "/portal/sign-in/" in w)
    return urlparse(link).path


@pytest.mark.parametrize("width", WIDTHS)
def test_every_public_and_portal_page_passes_axe_and_the_wcag_22_checks(
    browser, live_server, clinic, width, tmp_path
):
    page = open_page(browser, WIDTHS[width])
    context = page.context
    problems: list[str] = []
    seen: list[str] = []

    def check(name: str, *, status: int | None = 200, response=None) -> None:
        if response is not None and status is not None:
            assert response.status == status, (name, response.status)
        page.wait_for_load_state("load")
        found = axe_violations(page) + layout_problems(page)
        problems.extend(f"{width} px, {name} ({page.url}): {p}" for p in found)
        page.screenshot(path=str(tmp_path / f"{width}-{len(seen):02d}-{name}.png"), full_page=True)
        seen.append(name)

    def visit(name: str, path: str, status: int = 200) -> None:
        check(name, status=status, response=page.goto(live_server.url + path))

    token = clinic["online"].manage_token
    visit("home", "/")
    visit("treatments", "/treatments/")
    visit("therapists", "/therapists/")
    for therapist in Therapist.objects.filter(active=True):
        visit(f"therapist-{therapist.pk}", f"/therapists/{therapist.pk}/")
    visit("book", "/book/")
    visit("manage", f"/manage/{token}/")
    visit("manage-move", f"/manage/{token}/move/")
    visit("manage-cancel", f"/manage/{token}/cancel/")
    visit("manage-missing", "/manage/no-such-booking/", status=404)

    visit("portal-start", "/portal/")
    visit("portal-link-used-up", "/portal/sign-in/no-such-link/", status=410)
    visit("portal-sign-in", _sign_in_link(clinic["person"].email))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue to my bookings").click()
    check("portal-bookings")
    visit("portal-move", f"/portal/bookings/{clinic['staff'].public_id}/move/")
    visit("portal-cancel", f"/portal/bookings/{clinic['staff'].public_id}/cancel/")
    page.goto(live_server.url + "/portal/bookings/")
    with page.expect_navigation():
        page.get_by_role("link", name="Numeric Pain Rating Scale").click()
    check("portal-questions")
    page.goto(live_server.url + "/portal/bookings/")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    visit("not-found", "/no-such-page/", status=404)
    visit("bad-request", "/manage/x%00y/", status=400)
    page.route(
        live_server.url + "/broken/",
        lambda route: route.fulfill(
            status=500,
            content_type="text/html",
            body=server_error(RequestFactory().get("/broken/")).content,
        ),
    )
    visit("server-error", "/broken/", status=500)

    # A form sent once its security cookie is gone (a page left open for days).
    page.goto(live_server.url + "/portal/")
    context.clear_cookies(name="csrftoken")
    page.get_by_label("Your email address").fill("aurelia@example.com")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Email me a sign-in link").click()
    check("form-expired", status=403, response=answer.value)

    for name, status in (("portal-sent", 200), ("too-many", 429)):
        page.goto(live_server.url + "/portal/")
        page.get_by_label("Your email address").fill("aurelia@example.com")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Email me a sign-in link").click()
        check(name, status=None)
        assert (answer.value.status == 302) == (status == 200), (name, answer.value.status)
    assert page.get_by_text("Please try again in").is_visible()

    context.close()
    assert not problems, "\n".join(problems)
    assert len(seen) == 21 + Therapist.objects.filter(active=True).count()
