from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_migrate


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
        generations.watch(
            self, ("Therapist",), generations.DIARY, generations.CATALOGUE, generations.ACCESS
        )
        generations.watch(self, ("Room",), generations.DIARY)
        generations.watch(self, ("Client",), generations.CLIENTS)
        # Each staff page reads its user's permissions, roles and whether they have a
        # therapist record from the cache (clinic.roles.load_access): who holds which role
        # and permission, and what a role or a permission is, must start a new generation
        # whenever it changes (therapist records: above).
        auth = apps.get_app_config("auth")
        generations.watch(
            auth,
            ("Group", "Permission", "User_groups", "User_user_permissions", "Group_permissions"),
            generations.ACCESS,
        )
        generations.watch(apps.get_app_config("contenttypes"), ("ContentType",), generations.ACCESS)
        changed = generations.receiver(generations.ACCESS)
        for name in ("User_groups", "User_user_permissions", "Group_permissions"):
            m2m_changed.connect(
                changed, sender=auth.get_model(name), weak=False, dispatch_uid=f"generation_access_{name}"
            )
