"""Every page carries the Content-Security-Policy and, unless it says otherwise, no-store.

The URL conf is walked rather than listed, so a page added later is checked too.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.admindocs.views import simplify_regex
from django.urls import URLPattern, URLResolver, get_resolver

# Sample values for path converters and regex groups: real enough to reach the view.
SAMPLES = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-4000-8000-000000000000", "path": "x"}


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _sample(route: str) -> str:
    route = simplify_regex(route) if route.startswith("^") or "(?P<" in route else "/" + route
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "x"), route)
    return route.replace("//", "/")


def every_url() -> list[str]:
    return sorted({_sample(route) for route in _walk(get_resolver().url_patterns)})


def test_the_walk_finds_the_public_staff_and_api_pages():
    urls = every_url()
    for expected in ("/", "/book/", "/portal/", "/admin/", "/admin/clinic/client/", "/staff/two-factor/", "/api/slots"):
        assert expected in urls, expected
    assert len(urls) > 100


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "manager"])
def test_every_page_has_a_csp_without_unsafe_inline_and_is_not_stored(client, who, request):
    if who == "manager":
        client.force_login(request.getfixturevalue("manager"))
    missing_csp, stored = [], []
    for url in every_url():
        response = client.get(url)
        policy = response.get("Content-Security-Policy", "")
        if "default-src 'self'" not in policy or "unsafe-inline" in policy or "unsafe-eval" in policy:
            missing_csp.append(f"{url} ({response.status_code})")
        if "no-store" not in response.get("Cache-Control", ""):
            stored.append(f"{url} ({response.status_code}): {response.get('Cache-Control')}")
    assert not missing_csp, missing_csp
    assert not stored, stored


def test_the_policy_allows_scripts_and_styles_only_from_this_site(client, db):
    policy = dict(
        part.strip().split(" ", 1) for part in client.get("/").headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"].split()[0] == "'self'"
    assert policy["style-src"].split()[0] == "'self'"
    assert "'none'" in policy["object-src"] and "'none'" in policy["frame-ancestors"]
