"""screen(): treatment-aware verdicts from answers, consents, clearances and the catalogue."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.treatments.conftest import (
    CONTRAINDICATION_CODES,
    EXPECTED,
    RED_FLAG_CODES,
)
from treatments import services
from treatments.models import ContraindicationItem, TreatmentType
from treatments.screening import (
    ADVICE_CLEARANCE,
    ADVICE_DO_NOT_TREAT,
    NEEDS_CONSENT,
    ClearanceFacts,
    TreatmentProfile,
    screen,
)
from treatments.selectors import catalogue_entries, screen_client, screening_context_for

TYPE_CODES = [
    "deep-tissue",
    "myofascial-release",
    "trigger-point",
    "perfect-spot-6",
    "perfect-spot-12",
    "perfect-spot-13",
]
ALL_CODES = RED_FLAG_CODES + CONTRAINDICATION_CODES
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
BLOCKING = {"emergency", "urgent", "do-not-treat"}


class FakeConsent:
    def __init__(
        self, region="gluteal", kind="sensitive-area", given=None, expires=None, withdrawn=None
    ):
        self.kind, self.region = kind, region
        self.given_at = given or NOW - dt.timedelta(days=30)
        self.expires_at, self.withdrawn_at = expires, withdrawn

    def is_valid_at(self, when):
        return (
            self.given_at <= when
            and (self.expires_at is None or when < self.expires_at)
            and (self.withdrawn_at is None or when < self.withdrawn_at)
        )


GLUTEAL_OK = [FakeConsent()]


@pytest.mark.parametrize("treatment", TYPE_CODES)
@pytest.mark.parametrize("code", ALL_CODES)
def test_each_item_yields_its_action_only_for_the_types_and_sites_it_affects(
    catalogue, profiles, code, treatment
):
    _, action, clearance, _, types, sites, other = EXPECTED[code]
    profile = profiles[treatment]
    verdict = screen({code: True}, profile, consents=GLUTEAL_OK, catalogue=catalogue, now=NOW)

    type_action = action if (not types or treatment in types) else (other or None)
    affected = type_action is not None and (not sites or bool(set(sites) & profile.body_sites))
    if not affected:
        assert verdict.findings == ()
        assert verdict.allowed and verdict.may_start
        return
    (finding,) = verdict.findings
    assert (finding.code, finding.action) == (code, type_action)
    assert verdict.allowed is (type_action not in BLOCKING)
    assert verdict.needs_clearance is (type_action == "clearance" or clearance)
    if type_action == "avoid-area":
        assert finding.sites_to_avoid == frozenset(sites) & profile.body_sites
    else:
        assert finding.sites_to_avoid == frozenset()
    if type_action == "do-not-treat":
        assert ADVICE_DO_NOT_TREAT in verdict.client_advice
    if verdict.needs_clearance:
        assert ADVICE_CLEARANCE in verdict.client_advice and not verdict.may_start


@pytest.mark.parametrize("treatment", TYPE_CODES)
@pytest.mark.parametrize("code", RED_FLAG_CODES)
def test_every_red_flag_blocks_every_type_with_referral_advice(
    catalogue, entries_by_code, profiles, code, treatment
):
    verdict = screen(
        {code: "yes"}, profiles[treatment], consents=GLUTEAL_OK, catalogue=catalogue, now=NOW
    )
    expected = EXPECTED[code][1]
    assert not verdict.allowed and not verdict.may_start
    assert verdict.referral == expected
    assert verdict.needs_referral
    assert verdict.client_advice[0] == entries_by_code[code].client_advice
    first = verdict.client_advice[0].lower()
    assert (
        ("emergency" in first and "do not book" in first)
        if expected == "emergency"
        else ("see a doctor" in first)
    )


@pytest.mark.parametrize("emergency", RED_FLAG_CODES[:5])
def test_progressive_weakness_escalates_to_emergency_with_an_emergency_flag(
    catalogue, profiles, emergency
):
    alone = screen(
        {"rf-progressive-weakness": True}, profiles["trigger-point"], catalogue=catalogue, now=NOW
    )
    assert alone.referral == "urgent"
    both = screen(
        {"rf-progressive-weakness": True, emergency: True},
        profiles["trigger-point"],
        catalogue=catalogue,
        now=NOW,
    )
    weakness = both.finding("rf-progressive-weakness")
    assert weakness.action == "emergency" and weakness.escalated
    assert both.referral == "emergency"


def test_progressive_weakness_does_not_escalate_with_an_urgent_flag(catalogue, profiles):
    verdict = screen(
        {"rf-progressive-weakness": True, "rf-cancer": True},
        profiles["deep-tissue"],
        catalogue=catalogue,
        now=NOW,
    )
    assert verdict.referral == "urgent"
    assert not verdict.finding("rf-progressive-weakness").escalated


def test_sites_narrow_items_that_name_sites(catalogue, profiles):
    dt_profile = profiles["deep-tissue"]
    on_back = screen(
        {"ci-varicose": True}, dt_profile, ["lumbar-paraspinal"], catalogue=catalogue, now=NOW
    )
    assert on_back.findings == ()
    on_legs = screen(
        {"ci-varicose": True},
        dt_profile,
        ["lumbar-paraspinal", "hamstrings"],
        catalogue=catalogue,
        now=NOW,
    )
    assert on_legs.sites_to_avoid == {"hamstrings"}
    whole_body = screen(
        {"ci-fever": True}, dt_profile, ["ball-under"], catalogue=catalogue, now=NOW
    )
    assert whole_body.codes == {"ci-fever"}


def test_aneurysm_blocks_myofascial_release_and_marks_avoid_elsewhere(catalogue, profiles):
    mfr = screen(
        {"ci-aneurysm": True}, profiles["myofascial-release"], catalogue=catalogue, now=NOW
    )
    assert not mfr.allowed and mfr.findings[0].action == "do-not-treat"
    deep = screen({"ci-aneurysm": True}, profiles["deep-tissue"], catalogue=catalogue, now=NOW)
    assert deep.allowed and deep.findings[0].action == "avoid-area"


def test_anticoagulants_matter_for_the_deep_techniques_and_perfect_spots(catalogue, profiles):
    for code in TYPE_CODES:
        verdict = screen(
            {"ci-anticoagulant": True},
            profiles[code],
            consents=GLUTEAL_OK,
            catalogue=catalogue,
            now=NOW,
        )
        assert verdict.allowed and [f.action for f in verdict.findings] == ["modify"]


def test_answers_accept_booleans_and_strings(catalogue, profiles):
    p = profiles["deep-tissue"]
    for yes in (True, "yes", "YES"):
        assert screen({"ci-fever": yes}, p, catalogue=catalogue, now=NOW).codes == {"ci-fever"}
    for no in (False, "no", "not-asked", None):
        assert screen({"ci-fever": no}, p, catalogue=catalogue, now=NOW).findings == ()


def test_unasked_red_flags_are_listed(catalogue, profiles):
    verdict = screen({"rf-bladder": "no"}, profiles["deep-tissue"], catalogue=catalogue, now=NOW)
    assert "rf-bladder" not in verdict.unasked_red_flags
    assert set(verdict.unasked_red_flags) == set(RED_FLAG_CODES) - {"rf-bladder"}


# --- Versions: a verdict keeps the wording it was computed with. -------------------------


@pytest.mark.django_db
def test_a_verdict_computed_before_an_edit_still_names_the_old_wording(manager, profiles):
    before = screen({"ci-acute-medical": True}, profiles["deep-tissue"], now=NOW)
    old = ContraindicationItem.objects.get(code="ci-acute-medical").current_version
    new = services.catalogue_item_revise(
        item=ContraindicationItem.objects.get(code="ci-acute-medical"),
        by=manager,
        wording="Recent stroke, heart attack or unstable heart disease, or a concussion not yet cleared.",
    )
    after = screen({"ci-acute-medical": True}, profiles["deep-tissue"], now=NOW)
    assert before.findings[0].wording == old.wording == "Recent stroke or TIA, myocardial infarction, unstable cardiac disease, uncleared concussion."
    assert before.findings[0].version_id == old.pk and before.findings[0].version == 1
    assert after.findings[0].wording == new.wording and after.findings[0].version == 2
    assert before.as_snapshot()["findings"][0]["wording"] == old.wording


@pytest.mark.django_db
def test_an_edit_that_changes_the_action_changes_later_verdicts_only(manager, profiles):
    before = screen({"ci-steroids": True}, profiles["deep-tissue"], now=NOW)
    services.catalogue_item_revise(
        item=ContraindicationItem.objects.get(code="ci-steroids"), by=manager, action="do-not-treat"
    )
    after = screen({"ci-steroids": True}, profiles["deep-tissue"], now=NOW)
    assert before.allowed and not after.allowed


# --- Sensitive-area consent. ------------------------------------------------------------


@pytest.mark.parametrize("treatment", ["perfect-spot-6", "perfect-spot-12"])
@pytest.mark.parametrize(
    "consents",
    [
        [],
        [FakeConsent(expires=NOW - dt.timedelta(days=1))],
        [FakeConsent(withdrawn=NOW - dt.timedelta(hours=1))],
        [FakeConsent(region="inner-thigh")],
        [FakeConsent(kind="general", region="")],
        [FakeConsent(given=NOW + dt.timedelta(days=1))],
    ],
    ids=["none", "expired", "withdrawn", "other-region", "general-only", "given-later"],
)
def test_gluteal_treatment_without_valid_consent_is_a_finding(
    catalogue, profiles, treatment, consents
):
    verdict = screen({}, profiles[treatment], consents=consents, catalogue=catalogue, now=NOW)
    (finding,) = verdict.findings
    assert finding.code == "consent-gluteal" and finding.action == NEEDS_CONSENT
    assert verdict.allowed and verdict.needs_consent and not verdict.may_start


@pytest.mark.parametrize("treatment", ["perfect-spot-6", "perfect-spot-12"])
def test_gluteal_treatment_with_valid_consent_may_start(catalogue, profiles, treatment):
    consents = [FakeConsent(expires=NOW + dt.timedelta(days=1)), FakeConsent(withdrawn=NOW)]
    verdict = screen({}, profiles[treatment], consents=consents, catalogue=catalogue, now=NOW)
    assert verdict.findings == () and verdict.may_start


@pytest.mark.parametrize(
    "treatment", ["deep-tissue", "myofascial-release", "trigger-point", "perfect-spot-13"]
)
def test_other_treatments_need_no_sensitive_area_consent(catalogue, profiles, treatment):
    assert screen({}, profiles[treatment], catalogue=catalogue, now=NOW).findings == ()


@pytest.mark.django_db
def test_consent_records_from_the_database_are_honoured_until_withdrawn(client_person, therapist):
    ps12 = TreatmentType.objects.get(code="perfect-spot-12")
    assert screen_client(client_person, ps12, now=NOW).needs_consent
    consent = services.consent_give(
        client=client_person,
        kind="sensitive-area",
        region="gluteal",
        method="written",
        by=therapist.user,
        given_at=NOW - dt.timedelta(days=2),
        expires_at=NOW + dt.timedelta(days=365),
        now=NOW - dt.timedelta(days=2),
    )
    assert screen_client(client_person, ps12, now=NOW).may_start
    assert screen_client(client_person, ps12, now=NOW + dt.timedelta(days=366)).needs_consent
    services.consent_withdraw(consent=consent, by=therapist.user, now=NOW + dt.timedelta(hours=1))
    assert screen_client(client_person, ps12, now=NOW + dt.timedelta(hours=2)).needs_consent


# --- Clearances. ------------------------------------------------------------------------


def test_clearance_is_honoured_until_it_expires(catalogue, profiles):
    clearance = ClearanceFacts(
        codes=frozenset({"ci-cancer"}), given_on=dt.date(2026, 2, 1), expires_on=dt.date(2026, 3, 2)
    )
    p = profiles["deep-tissue"]
    uncleared = screen({"ci-cancer": True}, p, catalogue=catalogue, now=NOW)
    assert uncleared.allowed and uncleared.needs_clearance and not uncleared.may_start
    on_last_day = screen(
        {"ci-cancer": True}, p, clearances=[clearance], catalogue=catalogue, now=NOW
    )
    assert on_last_day.findings[0].cleared and on_last_day.may_start
    assert on_last_day.findings[0].action == "modify"
    next_day = screen(
        {"ci-cancer": True},
        p,
        clearances=[clearance],
        catalogue=catalogue,
        now=NOW + dt.timedelta(days=1),
    )
    assert next_day.needs_clearance and not next_day.findings[0].cleared
    before_given = screen(
        {"ci-cancer": True},
        p,
        clearances=[clearance],
        catalogue=catalogue,
        now=NOW - dt.timedelta(days=40),
    )
    assert before_given.needs_clearance


def test_clearance_covers_only_its_items(catalogue, profiles):
    clearance = ClearanceFacts(codes=frozenset({"ci-cancer"}), given_on=dt.date(2026, 1, 1))
    verdict = screen(
        {"ci-cancer": True, "ci-hypertension-uncontrolled": True},
        profiles["deep-tissue"],
        clearances=[clearance],
        catalogue=catalogue,
        now=NOW,
    )
    assert verdict.finding("ci-cancer").cleared
    assert not verdict.finding("ci-hypertension-uncontrolled").cleared
    assert verdict.needs_clearance


def test_clearance_does_not_lift_a_do_not_treat(catalogue, profiles):
    clearance = ClearanceFacts(codes=frozenset({"ci-fever"}), given_on=dt.date(2026, 1, 1))
    verdict = screen(
        {"ci-fever": True},
        profiles["deep-tissue"],
        clearances=[clearance],
        catalogue=catalogue,
        now=NOW,
    )
    assert not verdict.allowed and not verdict.findings[0].cleared


@pytest.mark.django_db
def test_recorded_clearance_is_honoured_by_the_selector(client_person, therapist):
    intake = services.intake_get_or_create(client=client_person, by=therapist.user)
    services.answer_record(
        intake=intake, item="ci-hypertension-uncontrolled", answer=True, by=therapist.user
    )
    deep = TreatmentType.objects.get(code="deep-tissue")
    assert screen_client(client_person, deep, now=NOW).needs_clearance
    services.clearance_record(
        client=client_person,
        given_by="Dr. Rivera, Main Street Clinic",
        given_on=dt.date(2026, 3, 1),
        expires_on=dt.date(2026, 6, 1),
        items=["ci-hypertension-uncontrolled"],
        by=therapist.user,
    )
    assert screen_client(client_person, deep, now=NOW).may_start
    later = dt.datetime(2026, 6, 3, 10, tzinfo=dt.UTC)
    assert screen_client(client_person, deep, now=later).needs_clearance


@pytest.mark.django_db
def test_screening_context_loads_in_a_constant_number_of_queries(
    client_person, therapist, django_assert_max_num_queries
):
    intake = services.intake_get_or_create(client=client_person, by=therapist.user)
    services.answers_record(
        intake=intake,
        answers={"ci-cancer": True, "ci-fever": False, "rf-bladder": "no"},
        by=therapist.user,
    )
    for day in (1, 2):
        services.clearance_record(
            client=client_person,
            given_by="Dr. A",
            given_on=dt.date(2026, 1, day),
            items=["ci-cancer", "ci-bleeding"],
            by=therapist.user,
        )
    types = list(TreatmentType.objects.prefetch_related("body_sites"))
    with django_assert_max_num_queries(7):
        context = screening_context_for(client_person, now=NOW)
    with django_assert_max_num_queries(0):
        verdicts = [context.screen(t) for t in types]
    assert all(v.finding("ci-cancer") is None or v.finding("ci-cancer").cleared for v in verdicts)


# --- Properties. ------------------------------------------------------------------------

answer_values = st.sampled_from([True, False, "yes", "no", "not-asked"])
answers_strategy = st.dictionaries(st.sampled_from(ALL_CODES), answer_values, max_size=12)
HYPOTHESIS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _restrictiveness(verdict) -> tuple:
    referral_rank = {None: 0, "urgent": 1, "emergency": 2}[verdict.referral]
    return (not verdict.allowed, referral_rank, verdict.needs_clearance, not verdict.may_start)


_FROZEN: dict[str, tuple] = {}


@pytest.fixture
def frozen_catalogue(db):
    """The shipped catalogue as plain values, read once inside a test's own transaction
    (reading it outside one broke when this was the first database test to run)."""
    if "catalogue" not in _FROZEN:
        profiles = {
            t.code: TreatmentProfile.from_treatment_type(t)
            for t in TreatmentType.objects.prefetch_related("body_sites")
        }
        _FROZEN["catalogue"] = (catalogue_entries(), profiles)
    return _FROZEN["catalogue"]


@HYPOTHESIS
@given(answers=answers_strategy, treatment=st.sampled_from(TYPE_CODES), with_consent=st.booleans())
def test_an_allowed_verdict_never_holds_a_blocking_finding(
    frozen_catalogue, answers, treatment, with_consent
):
    catalogue, profiles = frozen_catalogue
    verdict = screen(
        answers,
        profiles[treatment],
        consents=GLUTEAL_OK if with_consent else [],
        catalogue=catalogue,
        now=NOW,
    )
    if verdict.allowed:
        assert not ({f.action for f in verdict.findings} & BLOCKING)
        assert verdict.referral is None
    else:
        assert verdict.blocking


@HYPOTHESIS
@given(
    answers=answers_strategy,
    extra=st.sampled_from(ALL_CODES),
    treatment=st.sampled_from(TYPE_CODES),
    sites=st.none()
    | st.sets(st.sampled_from(["hamstrings", "piriformis", "ball-under", "lumbar-paraspinal"])),
    cleared=st.sets(st.sampled_from(["ci-cancer", "ci-bleeding", "ci-recent-surgery"])),
)
def test_adding_a_yes_never_makes_a_verdict_more_permissive(
    frozen_catalogue, answers, extra, treatment, sites, cleared
):
    catalogue, profiles = frozen_catalogue
    kwargs = dict(
        consents=[],
        catalogue=catalogue,
        now=NOW,
        clearances=[ClearanceFacts(codes=frozenset(cleared), given_on=dt.date(2026, 1, 1))],
    )
    before = screen(answers, profiles[treatment], sites, **kwargs)
    after = screen({**answers, extra: True}, profiles[treatment], sites, **kwargs)
    assert all(
        b <= a for b, a in zip(_restrictiveness(before), _restrictiveness(after), strict=True)
    )
    assert before.codes <= after.codes
    assert before.sites_to_avoid <= after.sites_to_avoid
    for finding in before.findings:
        later = after.finding(finding.code)
        assert later.blocks or not finding.blocks
