import pytest


@pytest.mark.django_db
def test_home_page_lists_the_treatments(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Trigger point therapy" in response.text


@pytest.mark.django_db
def test_treatments_page_shows_what_to_expect_and_prices(client):
    response = client.get("/treatments/")
    assert response.status_code == 200
    assert "What to expect" in response.text and "$130.00" in response.text


@pytest.mark.django_db
def test_bootstrap_is_served_from_the_installed_package_not_a_cdn(client):
    page = client.get("/").text
    assert "/static/bootstrap/css/bootstrap.min.css" in page
    assert "cdn" not in page.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/treatments/"])
def test_public_pages_are_served_from_the_cache_with_one_query_for_the_generation(
    client, url, django_assert_num_queries
):
    first = client.get(url)
    with django_assert_num_queries(1):
        second = client.get(url)
    assert second.status_code == 200 and second.content == first.content


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/treatments/"])
def test_editing_the_catalogue_shows_on_the_cached_pages_once_committed(
    client, url, django_capture_on_commit_callbacks
):
    from treatments.models import TreatmentOption, TreatmentType

    assert "Trigger point therapy" in client.get(url).text
    treatment = TreatmentType.objects.get(code="trigger-point")
    with django_capture_on_commit_callbacks(execute=True):
        treatment.name = "Trigger point release"
        treatment.save()
    page = client.get(url).text
    assert "Trigger point release" in page and "Trigger point therapy" not in page

    option = TreatmentOption.objects.get(treatment_type=treatment, duration_minutes=60)
    with django_capture_on_commit_callbacks(execute=True):
        option.price = "137.50"
        option.save()
    assert "$137.50" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        option.delete()
    assert "$137.50" not in client.get(url).text


@pytest.mark.django_db
def test_an_edit_not_yet_committed_leaves_the_cached_page(client, django_capture_on_commit_callbacks):
    from treatments.models import TreatmentType

    client.get("/")
    with django_capture_on_commit_callbacks(execute=False) as pending:
        TreatmentType.objects.filter(code="trigger-point").first().save()
    assert len(pending) == 1  # the new generation starts only on commit


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/treatments/"])
def test_a_visitor_without_cookies_is_answered_before_the_session_layers(client, url):
    first = client.get(url)
    second = client.get(url)
    assert hasattr(first.wsgi_request, "user")  # rendered through the whole stack
    assert not hasattr(second.wsgi_request, "user")  # answered from the cache, whole
    assert second.content == first.content
    for header in ("Content-Type", "X-Frame-Options", "X-Content-Type-Options"):
        assert second[header] == first[header]


@pytest.mark.django_db
def test_a_visitor_with_a_message_sees_it_on_the_cached_page(client):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    client.get("/")
    storage = CookieStorage(RequestFactory().get("/"))
    cookie = storage._encode([Message(constants.SUCCESS, "Your booking was cancelled.")])
    client.cookies["messages"] = cookie
    page = client.get("/").text
    assert "Your booking was cancelled." in page and "Trigger point therapy" in page
    assert "Your booking was cancelled." not in client.get("/").text


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/treatments/"])
def test_an_edit_in_one_worker_ends_the_cached_page_of_another_with_its_own_cache(
    client, url, monkeypatch, django_capture_on_commit_callbacks
):
    """Two gunicorn workers on SQLite each have their own local-memory cache: the catalogue's
    generation lives in the database, so an edit through one ends the other's copy."""
    from django.core.cache.backends.locmem import LocMemCache

    from clinic import pagecache
    from treatments.models import TreatmentType

    first_worker = LocMemCache("worker-1", {})
    second_worker = LocMemCache("worker-2", {})
    for worker in (first_worker, second_worker):
        monkeypatch.setattr(pagecache, "shared_cache", worker)
        assert "Trigger point therapy" in client.get(url).text
        assert "Trigger point therapy" in client.get(url).text  # now from this worker's cache
    monkeypatch.setattr(pagecache, "shared_cache", first_worker)
    with django_capture_on_commit_callbacks(execute=True):
        TreatmentType.objects.filter(code="trigger-point").update(name="Trigger point release")
        TreatmentType.objects.get(code="trigger-point").save()
    monkeypatch.setattr(pagecache, "shared_cache", second_worker)
    page = client.get(url).text
    assert "Trigger point release" in page and "Trigger point therapy" not in page


@pytest.mark.django_db
def test_a_nul_byte_in_the_address_makes_no_cache_key_warning(client, recwarn):
    from django.core.cache.backends.base import CacheKeyWarning

    client.get("/treat%00ments/")
    client.get("/treat%00ments/")
    assert not [w for w in recwarn if issubclass(w.category, CacheKeyWarning)]
