import json
import logging

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from clinic.ratelimit import count_action, parse_rate, rate_limited, record, retry_after

REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": "clinic-tests",
    }
}
# Nothing listens on port 1: every cache call fails as it does when Redis is down.
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture(autouse=True)
def _clear_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


def test_rates_parse_and_nonsense_is_refused():
    assert parse_rate("10/m") == (10, 60)
    assert parse_rate("") is None
    for bad in ["10", "x/m", "10/week", "0/m"]:
        with pytest.raises(ValueError):
            parse_rate(bad)


def test_an_address_at_the_limit_waits_until_the_next_window():
    for _ in range(3):
        assert retry_after("booking", "1.2.3.4", "3/m", now=130.0) is None
        record("booking", "1.2.3.4", "3/m", now=130.0)
    assert retry_after("booking", "1.2.3.4", "3/m", now=130.0) == 50  # until 180 s
    assert retry_after("booking", "5.6.7.8", "3/m", now=130.0) is None  # another IP has its own count
    assert retry_after("booking", "1.2.3.4", "3/m", now=180.0) is None  # next minute


@override_settings(BOOKING_RATE_LIMIT="")
def test_an_empty_setting_turns_the_limit_off():
    for _ in range(100):
        record("booking", "1.2.3.4")
    assert retry_after("booking", "1.2.3.4") is None


def _view(request):
    if request.POST.get("valid"):
        count_action(request, "booking")
        return HttpResponse("booked")
    return HttpResponse("please correct the form")


@override_settings(BOOKING_RATE_LIMIT="2/m")
def test_only_counted_actions_use_up_the_limit_and_the_429_says_when_and_whom_to_call(settings):
    view = rate_limited("booking")(_view)
    factory = RequestFactory()
    mistakes = [view(factory.post("/book/", REMOTE_ADDR="9.9.9.9")).status_code for _ in range(11)]
    assert mistakes == [200] * 11
    made = [view(factory.post("/book/", {"valid": 1}, REMOTE_ADDR="9.9.9.9")).status_code for _ in range(3)]
    assert made == [200, 200, 429]

    refused = view(factory.post("/book/", REMOTE_ADDR="9.9.9.9"))
    page = refused.content.decode()
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Please try again in" in page and ("minute" in page or "second" in page)
    assert settings.CLINIC_PHONE in page and 'href="tel:' in page
    api = view(factory.post("/api/bookings", REMOTE_ADDR="9.9.9.9"))
    assert api["Content-Type"] == "application/json" and settings.CLINIC_PHONE in json.loads(api.content)["detail"]
    assert view(factory.get("/book/", REMOTE_ADDR="9.9.9.9")).status_code == 200  # reads are free


@override_settings(
    BOOKING_RATE_LIMIT="1/m",
    AXES_IPWARE_PROXY_COUNT=1,
    AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
)
def test_behind_the_proxy_each_client_address_has_its_own_count():
    view = rate_limited("booking")(_view)
    factory = RequestFactory()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = factory.post("/book/", {"valid": 1}, HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2", **proxy)
    second = factory.post("/book/", {"valid": 1}, HTTP_X_FORWARDED_FOR="198.51.100.4, 10.0.0.2", **proxy)
    assert view(first).status_code == 200
    assert view(second).status_code == 200
    assert view(first).status_code == 429


@override_settings(CACHES=REDIS, BOOKING_RATE_LIMIT="2/m")
def test_counts_are_shared_through_redis_between_processes():
    # Two cache clients stand for two app processes: both count against one limit.
    caches["default"].clear()
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first.add("probe", 1) and second.get("probe") == 1
    record("booking", "7.7.7.7", now=60.0)
    record("booking", "7.7.7.7", now=60.0)
    assert second.get("ratelimit:booking:7.7.7.7:60:1") == 2
    assert retry_after("booking", "7.7.7.7", now=60.0) == 60


@pytest.mark.django_db
def test_when_the_cache_is_down_the_post_goes_through_with_a_warning(client, client_person, settings, caplog):
    settings.BOOKING_RATE_LIMIT = "1/m"
    with override_settings(CACHES=REDIS_DOWN), caplog.at_level(logging.WARNING, logger="clinic.ratelimit"):
        caches["default"].close()
        for _ in range(3):
            response = client.post("/portal/", {"email": "ada@example.com"})
            assert response.status_code == 302
            assert response["Location"] == "/portal/sent/"
    warnings = [r for r in caplog.records if r.name == "clinic.ratelimit"]
    assert warnings and all(r.levelno == logging.WARNING for r in warnings)
    assert "cache is unavailable" in warnings[0].getMessage()
