import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from clinic.ratelimit import hit, parse_rate, rate_limited

REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": "clinic-tests",
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


def test_the_request_past_the_limit_is_refused_and_the_next_window_is_fresh():
    assert [hit("booking", "1.2.3.4", "3/m", now=120.0) for _ in range(4)] == [False, False, False, True]
    assert hit("booking", "5.6.7.8", "3/m", now=120.0) is False  # another IP has its own count
    assert hit("booking", "1.2.3.4", "3/m", now=180.0) is False  # next minute


@override_settings(BOOKING_RATE_LIMIT="")
def test_an_empty_setting_turns_the_limit_off():
    assert not any(hit("booking", "1.2.3.4") for _ in range(100))


@override_settings(BOOKING_RATE_LIMIT="2/m")
def test_decorated_view_answers_429_with_retry_after():
    view = rate_limited("booking")(lambda request: HttpResponse("ok"))
    factory = RequestFactory()
    codes = [view(factory.post("/book/", REMOTE_ADDR="9.9.9.9")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = view(factory.post("/api/bookings", REMOTE_ADDR="9.9.9.9"))
    assert refused["Retry-After"] == "60" and b"Too many requests" in refused.content
    assert view(factory.get("/book/", REMOTE_ADDR="9.9.9.9")).status_code == 200  # reads are free


@override_settings(CACHES=REDIS, BOOKING_RATE_LIMIT="2/m")
def test_counts_are_shared_through_redis_between_processes():
    # Two cache clients stand for two app processes: both count against one limit.
    caches["default"].clear()
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first.add("probe", 1) and second.get("probe") == 1
    assert hit("booking", "7.7.7.7", now=60.0) is False
    assert hit("booking", "7.7.7.7", now=60.0) is False
    assert second.get("ratelimit:booking:7.7.7.7:60:1") == 2
    assert hit("booking", "7.7.7.7", now=60.0) is True
