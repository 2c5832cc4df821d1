from django.urls import path

from bookings.views import confirm, manage, profiles, public
from bookings.views import notes as notes_views
from bookings.views import plans as plan_views
from bookings.views import portal as portal_views
from bookings.views import privacy as privacy_views
from bookings.views.feeds import therapist_feed

app_name = "bookings"

urlpatterns = [
    # Online booking (public flow): one page per step, state in the session.
    path("book/", public.step_treatment, name="book"),
    path("book/therapist/", public.step_therapist, name="book_therapist"),
    path("book/time/", public.step_time, name="book_time"),
    path("book/details/", public.step_details, name="book_details"),
    path("book/health/", public.step_health, name="book_health"),
    path("book/review/", public.step_review, name="book_review"),
    path("book/done/", public.done, name="book_done"),
    path("book/advice/", public.advice, name="book_advice"),
    # The emailed link that lets what was submitted with a booking enter the record.
    path("book/confirm/<str:token>/", confirm.confirm_submission, name="book_confirm"),
    path("book/confirmed/", confirm.confirmed, name="book_confirmed"),
    # Self-service through the private manage link.
    path("manage/<str:token>/", manage.manage, name="manage"),
    path("manage/<str:token>/cancel/", manage.cancel, name="manage_cancel"),
    path("manage/<str:token>/move/", manage.move, name="manage_move"),
    path("manage/<str:token>/calendar.ics", manage.calendar_file, name="manage_calendar"),
    path("therapists/", profiles.therapist_list, name="therapist_list"),
    path("therapists/<int:pk>/", profiles.therapist_detail, name="therapist_detail"),
    path("therapists/<int:pk>/photo.jpg", profiles.therapist_photo, name="therapist_photo"),
    # Client portal: one-time emailed sign-in links; move and cancel any own appointment.
    path("portal/", portal_views.portal_start, name="portal"),
    path("portal/sent/", portal_views.portal_sent, name="portal_sent"),
    path("portal/sign-in/<str:token>/", portal_views.portal_sign_in, name="portal_sign_in"),
    path("portal/bookings/", portal_views.portal_home, name="portal_home"),
    path("portal/bookings/<uuid:public_id>/move/", portal_views.portal_move, name="portal_move"),
    path("portal/bookings/<uuid:public_id>/cancel/", portal_views.portal_cancel, name="portal_cancel"),
    path("portal/sign-out/", portal_views.portal_sign_out, name="portal_sign_out"),
    path("portal/my-records/", privacy_views.portal_export, name="portal_export"),
    path(
        "portal/measures/<uuid:public_id>/<slug:instrument>/",
        plan_views.portal_measure,
        name="portal_measure",
    ),
    # Private calendar feed per therapist (secret, resettable token).
    path("feeds/therapist/<uuid:token>.ics", therapist_feed, name="therapist_feed"),
    path("staff/notes/<uuid:public_id>/print/", notes_views.note_print, name="note_print"),
    path("staff/clearances/<int:pk>/document/", privacy_views.clearance_document, name="clearance_document"),
]
