from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _grant_roles(sender, using="default", **kwargs) -> None:
    from clinic.roles import grant
    from treatments.roles import ROLE_PERMISSIONS

    grant(sender.label, ROLE_PERMISSIONS, using=using)


def _catalogue_changed(sender, **kwargs) -> None:
    # Not a workflow: the cached public pages show these rows, so any write to them (from
    # whatever path) must end their cached copies.
    from clinic.pagecache import invalidate

    invalidate()


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Treatments and clinical rules"

    def ready(self) -> None:
        post_migrate.connect(_grant_roles, sender=self, dispatch_uid="treatments_roles")
        for model in ("TreatmentType", "TreatmentOption"):
            for signal in (post_save, post_delete):
                signal.connect(
                    _catalogue_changed,
                    sender=self.get_model(model),
                    dispatch_uid=f"treatments_public_pages_{model}_{signal is post_save}",
                )
