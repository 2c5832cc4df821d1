from django.db.models import Prefetch, QuerySet

from treatments.models import TreatmentOption, TreatmentType


def treatments_for_public() -> QuerySet[TreatmentType]:
    """Active, online-bookable treatment types with their active options, in two queries."""
    return TreatmentType.objects.bookable_online().prefetch_related(
        Prefetch(
            "options",
            queryset=TreatmentOption.objects.filter(active=True).order_by("duration_minutes"),
            to_attr="active_options",
        )
    )
