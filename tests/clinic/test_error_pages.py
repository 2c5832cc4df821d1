"""Error pages a client can meet speak the site's words and say how to call."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver

from clinic.error_pages import server_error

pytestmark = pytest.mark.django_db

PHONE = "+1 416 555 0142"


def test_an_unknown_address_gets_the_sites_404_page_with_ways_on(client):
    response = client.get("/no-such-page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "We can't find that page" in page and PHONE in page
    assert 'href="/book/"' in page and 'href="/portal/"' in page


def test_a_server_error_page_needs_nothing_but_the_settings():
    assert get_resolver().resolve_error_handler(500) is server_error

    response = server_error(RequestFactory().get("/book/"))

    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and PHONE in page
    assert '<html lang="en">' in page and '<main id="main"' in page


def test_a_form_sent_without_its_security_token_says_to_send_it_again(db):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/portal/", {"email": "ada@example.com"})

    page = response.content.decode()
    assert response.status_code == 403
    assert "Please send the form again" in page and PHONE in page
    assert "CSRF" not in page
