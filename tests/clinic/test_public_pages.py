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
