from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_roles(sender, using="default", **kwargs) -> None:
    from clinic.roles import (
        AUTH_ROLE_PERMISSIONS,
        ROLE_PERMISSIONS,
        SIGN_IN_ROLE_PERMISSIONS,
        grant,
    )

    grant(sender.label, ROLE_PERMISSIONS, using=using)
    grant("auth", AUTH_ROLE_PERMISSIONS, using=using)
    for app_label, matrix in SIGN_IN_ROLE_PERMISSIONS.items():
        grant(app_label, matrix, using=using)


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "People and places"

    def ready(self) -> None:
        post_migrate.connect(_grant_roles, sender=self, dispatch_uid="clinic_roles")
        from clinic import generations

        # Not a workflow: what is cached under these names shows these rows, so every write
        # to them (from whatever path) must start a new generation. Therapists are on the
        # public treatment list and in the diary; client names are on the schedule.
        generations.watch(self, ("Therapist",), generations.DIARY, generations.CATALOGUE)
        generations.watch(self, ("Room",), generations.DIARY)
        generations.watch(self, ("Client",), generations.CLIENTS)
