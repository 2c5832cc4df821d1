from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate


def _grant_roles(sender, using="default", **kwargs) -> None:
    from clinic.roles import grant
    from treatments.roles import ROLE_PERMISSIONS

    grant(sender.label, ROLE_PERMISSIONS, using=using)


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Treatments and clinical rules"

    def ready(self) -> None:
        post_migrate.connect(_grant_roles, sender=self, dispatch_uid="treatments_roles")
        from clinic import generations

        # Not a workflow: the cached public pages and free times show these rows (what can
        # be booked, and who offers it), so any write to them, from whatever path, must
        # start a new generation.
        generations.watch(
            self, ("TreatmentType", "TreatmentOption"), generations.CATALOGUE, generations.DIARY
        )
        m2m_changed.connect(
            generations.receiver(generations.CATALOGUE, generations.DIARY),
            sender=self.get_model("TreatmentType").therapists.through,
            weak=False,
            dispatch_uid="treatments_generation_therapists",
        )
