import pytest

from treatments.models import BodySite, HomeCareSheet, TreatmentType

TYPE_CODES = {
    "deep-tissue", "myofascial-release", "trigger-point",
    "perfect-spot-6", "perfect-spot-12", "perfect-spot-13",
}
SITE_CODES = {
    "glute-top", "glute-side", "piriformis", "glute-med-min", "glute-max-upper",
    "lumbar-paraspinal", "hamstrings", "heel-behind-ball", "heel-inner-edge",
    "plantar-bottom", "ball-behind-big-toe", "ball-under",
}


@pytest.mark.django_db
def test_catalogue_migration_ships_the_six_treatment_types():
    assert set(TreatmentType.objects.values_list("code", flat=True)) == TYPE_CODES


@pytest.mark.django_db
def test_catalogue_migration_ships_the_twelve_body_sites():
    assert set(BodySite.objects.values_list("code", flat=True)) == SITE_CODES


@pytest.mark.django_db
def test_perfect_spots_6_and_12_are_gluteal_work_needing_consent():
    sensitive = dict(TreatmentType.objects.values_list("code", "sensitive_region"))
    assert sensitive["perfect-spot-6"] == "gluteal"
    assert sensitive["perfect-spot-12"] == "gluteal"
    assert {c for c, region in sensitive.items() if region} == {"perfect-spot-6", "perfect-spot-12"}


@pytest.mark.django_db
def test_perfect_spot_numbers_are_on_their_sites():
    spots = dict(BodySite.objects.exclude(perfect_spot=None).values_list("perfect_spot", "code"))
    assert spots == {6: "glute-med-min", 12: "glute-max-upper", 13: "lumbar-paraspinal"}


@pytest.mark.django_db
def test_one_home_care_sheet_per_site_family():
    families = sorted(HomeCareSheet.objects.values_list("site_family", flat=True))
    assert families == ["buttock-hip", "foot", "low-back"]


@pytest.mark.django_db
def test_every_treatment_type_has_bookable_options_and_client_text():
    for treatment in TreatmentType.objects.prefetch_related("options"):
        assert treatment.options.count() >= 2, treatment.code
        assert treatment.description and treatment.what_to_expect and treatment.summary
