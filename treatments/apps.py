from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _grant_roles(sender, using="default", **kwargs) -> None:
    from clinic.roles import grant
    from treatments.roles import ROLE_PERMISSIONS

    grant(sender.label, ROLE_PERMISSIONS, using=using)


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Treatments and clinical rules"

    def ready(self) -> None:
        post_migrate.connect(_grant_roles, sender=self, dispatch_uid="treatments_roles")
