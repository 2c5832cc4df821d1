from django.contrib import admin
from django.urls import include, path

from bookings.views.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("treatments.urls")),
    path("", include("bookings.urls")),
]
