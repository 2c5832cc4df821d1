from django.contrib import admin
from django.urls import include, path

from bookings.views.api import api
from clinic import mfa

handler500 = "clinic.error_pages.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("staff/two-factor/", mfa.verify, name="mfa_verify"),
    path("staff/two-factor/setup/", mfa.setup, name="mfa_setup"),
    path("staff/two-factor/recovery-codes/", mfa.recovery_codes, name="mfa_recovery_codes"),
    path("api/", api.urls),
    path("", include("treatments.urls")),
    path("", include("bookings.urls")),
]
