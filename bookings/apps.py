from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


def _grant_roles(sender, using="default", **kwargs) -> None:
    from bookings.roles import JOB_ROLE_PERMISSIONS, ROLE_PERMISSIONS
    from clinic.roles import grant

    grant(sender.label, ROLE_PERMISSIONS, using=using)
    grant("django_tasks_database", JOB_ROLE_PERMISSIONS, using=using)


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings and records"

    def ready(self) -> None:
        post_migrate.connect(_grant_roles, sender=self, dispatch_uid="bookings_roles")
        from clinic import generations

        # Not a workflow: cached free times and schedules are computed from these rows, so
        # every write to them (admin, service, shell) must start a new generation. Services
        # that write with QuerySet.update() bump themselves.
        generations.watch(
            self,
            ("Appointment", "TimeOff", "WorkingHours", "Closure", "BookingPolicy"),
            generations.DIARY,
        )


class ClinicAdminConfig(admin_apps.AdminConfig):
    """The admin app with the clinic's own site as `admin.site`, so every
    `@admin.register` in every app lands on it (listed in INSTALLED_APPS instead of
    "django.contrib.admin")."""

    default = False  # BookingsConfig stays the default config of `bookings`
    default_site = "bookings.admin_site.ClinicAdminSite"
