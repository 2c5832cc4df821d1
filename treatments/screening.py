"""Treatment-aware screening: one pure function every later step calls.

`screen()` takes the client's answers, the treatment and (optionally) the sites to be
worked, plus the consents, clearances and catalogue as arguments, and returns a frozen
`Verdict`. It never writes to the database. Given a catalogue, consents, clearances and a
treatment profile as plain values it does not read the database either; pass model
instances and it reads only what they have not prefetched.
`treatments.selectors.screening_context_for()` loads all of that for one client in a
constant number of queries.

The verdict copies each item's wording and version id, so a verdict kept on a booking or a
session note still says what the client was screened against after the catalogue changes.

Sensitive-area consent: a treatment with a `sensitive_region` (Perfect Spots 6 and 12:
gluteal) needs a sensitive-area consent for that region that is valid at `now` (given,
not expired, not withdrawn). Without one the verdict carries a finding with code
`consent-<region>` (e.g. `consent-gluteal`) and action `needs-consent`: booking is
allowed, but, like a missing clearance, the session may not start (`may_start` is False)
until consent is recorded.

Visit-day items (`asked_on_visit_day`: fever, alcohol, painkillers taken) ask how the
client is on the day of the visit. `asked_at_booking()` is the one rule for when they are
asked: booking neither asks nor judges them (`screen(..., on_visit_day=False)`), while a
screening for the visit itself judges them from that visit's answers and lists the ones
without an answer in `Verdict.unasked_today`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from treatments.models import Action, ConsentKind

NEEDS_CONSENT = "needs-consent"
CONSENT_CATEGORY = "consent"

# Actions that stop treatment (booking online is refused; a note cannot be signed as treated).
BLOCKING_ACTIONS = frozenset({Action.EMERGENCY, Action.URGENT, Action.DO_NOT_TREAT})
REFERRAL_ACTIONS = (Action.EMERGENCY, Action.URGENT)
# Most restrictive first; used to order findings.
ACTION_RANK = {
    Action.EMERGENCY: 0,
    Action.URGENT: 1,
    Action.DO_NOT_TREAT: 2,
    Action.CLEARANCE: 3,
    NEEDS_CONSENT: 4,
    Action.AVOID_AREA: 5,
    Action.MODIFY: 6,
}

ADVICE_DO_NOT_TREAT = (
    "We can't treat you today. Please contact us to move your appointment to a day when "
    "you are well."
)
ADVICE_CLEARANCE = (
    "You can book, but before your session we need a short written note from your doctor "
    "saying massage is suitable for you. Please bring it or send it to us."
)
ADVICE_CONSENT = (
    "This treatment works on the buttock area. Before we start, we will ask you to sign a "
    "consent for it; you can change your mind at any time."
)
ADVICE_REFER = "Please also see your doctor about this; massage should not delay a diagnosis."

_YES = frozenset({True, "yes", "y", "true", "1"})


def is_yes(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _YES
    return value is True


@dataclass(frozen=True)
class CatalogueEntry:
    """One catalogue version as plain values. Empty `treatment_types` means every type;
    empty `body_sites` means the whole treatment."""

    code: str
    version_id: int | None
    version: int
    question: str
    wording: str
    category: str
    action: str
    requires_clearance: bool = False
    refer: bool = False
    treatment_types: frozenset[str] = frozenset()
    body_sites: frozenset[str] = frozenset()
    other_types_action: str = ""
    escalates_with_emergency: bool = False
    asked_on_visit_day: bool = False
    guidance: str = ""
    client_advice: str = ""

    @classmethod
    def from_version(cls, version) -> CatalogueEntry:
        """From a ContraindicationVersion (prefetch item, treatment_types and body_sites)."""
        return cls(
            code=version.item.code,
            version_id=version.pk,
            version=version.version,
            question=version.question,
            wording=version.wording,
            category=version.category,
            action=version.action,
            requires_clearance=version.requires_clearance,
            refer=version.refer,
            treatment_types=frozenset(t.code for t in version.treatment_types.all()),
            body_sites=frozenset(s.code for s in version.body_sites.all()),
            other_types_action=version.other_types_action,
            escalates_with_emergency=version.escalates_with_emergency,
            asked_on_visit_day=version.asked_on_visit_day,
            guidance=version.guidance,
            client_advice=version.client_advice,
        )

    @property
    def is_red_flag(self) -> bool:
        return self.action in REFERRAL_ACTIONS

    def action_for(self, treatment_code: str) -> str | None:
        """The action for this treatment type, or None when the item does not affect it."""
        if not self.treatment_types or treatment_code in self.treatment_types:
            return self.action
        return self.other_types_action or None


def asked_at_booking(entry: CatalogueEntry | Any) -> bool:
    """Whether the item is asked and judged when the client books (an entry or a version).

    Items about the day of the visit are not: answered days ahead they would be guesses, so
    they are asked at check-in and judged for that visit only."""
    return not entry.asked_on_visit_day


def asked_on_the_day(entries: Iterable[CatalogueEntry], treatment_code: str) -> list[CatalogueEntry]:
    """The items a visit of this treatment asks on the day (those it can be affected by)."""
    return [e for e in entries if not asked_at_booking(e) and e.action_for(treatment_code)]


@dataclass(frozen=True)
class TreatmentProfile:
    code: str
    body_sites: frozenset[str] = frozenset()
    sensitive_region: str = ""

    @classmethod
    def from_treatment_type(cls, treatment_type) -> TreatmentProfile:
        return cls(
            code=treatment_type.code,
            body_sites=frozenset(s.code for s in treatment_type.body_sites.all()),
            sensitive_region=treatment_type.sensitive_region,
        )


@dataclass(frozen=True)
class ClearanceFacts:
    codes: frozenset[str]
    given_on: dt.date
    expires_on: dt.date | None = None

    @classmethod
    def from_clearance(cls, clearance) -> ClearanceFacts:
        """From a MedicalClearance (prefetch items)."""
        return cls(
            codes=frozenset(i.code for i in clearance.items.all()),
            given_on=clearance.given_on,
            expires_on=clearance.expires_on,
        )

    def covers(self, code: str, day: dt.date) -> bool:
        return (
            code in self.codes
            and self.given_on <= day
            and (self.expires_on is None or day <= self.expires_on)
        )


@dataclass(frozen=True)
class Finding:
    code: str
    version_id: int | None
    version: int | None
    wording: str
    category: str
    action: str
    sites_to_avoid: frozenset[str] = frozenset()
    requires_clearance: bool = False
    refer: bool = False
    cleared: bool = False
    escalated: bool = False
    visit_day: bool = False
    guidance: str = ""
    client_advice: str = ""

    @property
    def blocks(self) -> bool:
        return self.action in BLOCKING_ACTIONS

    @property
    def needs_clearance(self) -> bool:
        return (self.action == Action.CLEARANCE or self.requires_clearance) and not self.cleared

    @property
    def needs_consent(self) -> bool:
        return self.action == NEEDS_CONSENT

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version_id": self.version_id,
            "version": self.version,
            "wording": self.wording,
            "category": self.category,
            "action": self.action,
            "sites_to_avoid": sorted(self.sites_to_avoid),
            "requires_clearance": self.requires_clearance,
            "refer": self.refer,
            "cleared": self.cleared,
            "escalated": self.escalated,
            "visit_day": self.visit_day,
        }


@dataclass(frozen=True)
class Verdict:
    """`allowed`: the treatment may be booked and given (subject to `may_start`).
    `needs_clearance` / `needs_consent`: bookable, but the session may not start yet.
    `referral`: 'emergency', 'urgent' or None, from red flags."""

    treatment_type: str
    sites: frozenset[str]
    allowed: bool
    findings: tuple[Finding, ...]
    needs_clearance: bool
    needs_consent: bool
    referral: str | None
    client_advice: tuple[str, ...]
    unasked_red_flags: tuple[str, ...] = ()
    unasked_today: tuple[str, ...] = ()
    screened_at: dt.datetime | None = field(default=None, compare=False)

    @property
    def may_start(self) -> bool:
        return self.allowed and not self.needs_clearance and not self.needs_consent

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocks)

    @property
    def not_today_only(self) -> bool:
        """Treatment is refused by the day's answers alone: another day may be fine."""
        return bool(self.blocking) and all(f.visit_day for f in self.blocking)

    @property
    def needs_referral(self) -> bool:
        return self.referral is not None or any(f.refer for f in self.findings)

    @property
    def sites_to_avoid(self) -> frozenset[str]:
        return frozenset().union(*(f.sites_to_avoid for f in self.findings))

    @property
    def modifications(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.action == Action.MODIFY)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(f.code for f in self.findings)

    def finding(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def as_snapshot(self) -> dict[str, Any]:
        """JSON-ready copy to keep on a booking or session note."""
        return {
            "treatment_type": self.treatment_type,
            "sites": sorted(self.sites),
            "allowed": self.allowed,
            "may_start": self.may_start,
            "needs_clearance": self.needs_clearance,
            "needs_consent": self.needs_consent,
            "referral": self.referral,
            "findings": [f.as_dict() for f in self.findings],
            "unasked_red_flags": list(self.unasked_red_flags),
            "unasked_today": list(self.unasked_today),
            "screened_at": self.screened_at.isoformat() if self.screened_at else None,
        }


def _entries(catalogue: Iterable[Any]) -> list[CatalogueEntry]:
    return [
        c if isinstance(c, CatalogueEntry) else CatalogueEntry.from_version(c) for c in catalogue
    ]


def _profile(treatment_type: Any) -> TreatmentProfile:
    if isinstance(treatment_type, TreatmentProfile):
        return treatment_type
    if isinstance(treatment_type, str):
        from treatments.models import TreatmentType

        treatment_type = TreatmentType.objects.prefetch_related("body_sites").get(
            code=treatment_type
        )
    return TreatmentProfile.from_treatment_type(treatment_type)


def _clearance_facts(clearances: Iterable[Any]) -> list[ClearanceFacts]:
    return [
        c if isinstance(c, ClearanceFacts) else ClearanceFacts.from_clearance(c) for c in clearances
    ]


def _has_valid_consent(consents: Iterable[Any], region: str, now: dt.datetime) -> bool:
    return any(
        c.kind == ConsentKind.SENSITIVE_AREA and c.region == region and c.is_valid_at(now)
        for c in consents
    )


def screen(
    answers: Mapping[str, Any],
    treatment_type: Any,
    sites: Iterable[str] | None = None,
    *,
    consents: Iterable[Any] | None = None,
    clearances: Iterable[Any] | None = None,
    now: dt.datetime | None = None,
    catalogue: Iterable[Any] | None = None,
    on_visit_day: bool = True,
) -> Verdict:
    """Screen `answers` (item code -> True/False or 'yes'/'no'/'not-asked') for a treatment.

    `treatment_type`: a TreatmentType (prefetch body_sites), a TreatmentProfile or a code.
    `sites`: body-site codes to be worked; None means the treatment's own sites.
    `consents`: Consent rows of the client (None: no consent known).
    `clearances`: MedicalClearance rows or ClearanceFacts (None: none known).
    `catalogue`: current versions or CatalogueEntry values (None: load the current catalogue).
    `on_visit_day`: False at booking, which leaves out the items `asked_at_booking()` says
    are not asked then; True (a visit) judges them and lists the unanswered ones.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if catalogue is None:
        from treatments.selectors import catalogue_current

        catalogue = catalogue_current()
    entries = [e for e in _entries(catalogue) if on_visit_day or asked_at_booking(e)]
    profile = _profile(treatment_type)
    worked = frozenset(sites) if sites is not None else profile.body_sites
    cleared_by = _clearance_facts(clearances or ())

    yes = {code for code, value in answers.items() if is_yes(value)}
    emergency_yes = any(e.code in yes and e.action == Action.EMERGENCY for e in entries)

    findings: list[Finding] = []
    for entry in entries:
        if entry.code not in yes:
            continue
        action = entry.action_for(profile.code)
        if action is None:
            continue
        if entry.body_sites and not (entry.body_sites & worked):
            continue
        escalated = entry.escalates_with_emergency and action == Action.URGENT and emergency_yes
        if escalated:
            action = Action.EMERGENCY
        needs_clearance = action == Action.CLEARANCE or entry.requires_clearance
        findings.append(
            Finding(
                code=entry.code,
                version_id=entry.version_id,
                version=entry.version,
                wording=entry.wording,
                category=entry.category,
                action=str(action),
                sites_to_avoid=(entry.body_sites & worked)
                if action == Action.AVOID_AREA
                else frozenset(),
                requires_clearance=entry.requires_clearance,
                refer=entry.refer or action in REFERRAL_ACTIONS,
                cleared=needs_clearance and any(c.covers(entry.code, today) for c in cleared_by),
                escalated=escalated,
                visit_day=entry.asked_on_visit_day,
                guidance=entry.guidance,
                client_advice=entry.client_advice,
            )
        )

    if profile.sensitive_region and not _has_valid_consent(
        consents or (), profile.sensitive_region, now
    ):
        findings.append(
            Finding(
                code=f"consent-{profile.sensitive_region}",
                version_id=None,
                version=None,
                wording=f"No valid written sensitive-area consent for the {profile.sensitive_region} region.",
                category=CONSENT_CATEGORY,
                action=NEEDS_CONSENT,
                guidance="Obtain and record written consent for this region before the session starts.",
                client_advice=ADVICE_CONSENT,
            )
        )

    findings.sort(key=lambda f: (ACTION_RANK.get(f.action, 99), f.code))
    referral = next(
        (str(a) for a in REFERRAL_ACTIONS if any(f.action == a for f in findings)), None
    )
    return Verdict(
        treatment_type=profile.code,
        sites=worked,
        allowed=not any(f.blocks for f in findings),
        findings=tuple(findings),
        needs_clearance=any(f.needs_clearance for f in findings),
        needs_consent=any(f.needs_consent for f in findings),
        referral=referral,
        client_advice=_advice(findings),
        unasked_red_flags=tuple(
            e.code for e in entries if e.is_red_flag and _unanswered(answers.get(e.code))
        ),
        unasked_today=tuple(
            e.code
            for e in asked_on_the_day(entries, profile.code)
            if _unanswered(answers.get(e.code))
        ),
        screened_at=now,
    )


def _unanswered(value: Any) -> bool:
    return value is None or value in ("not-asked", "")


def _advice(findings: list[Finding]) -> tuple[str, ...]:
    """What the client is told: red-flag advice first (findings are sorted by severity)."""
    advice: list[str] = []
    for f in findings:
        if f.action in REFERRAL_ACTIONS or f.escalated:
            text = f.client_advice
        elif f.action == Action.DO_NOT_TREAT:
            text = ADVICE_DO_NOT_TREAT
        elif f.needs_clearance:
            text = ADVICE_CLEARANCE
        elif f.needs_consent:
            text = ADVICE_CONSENT
        else:
            text = ""
        if f.refer and f.action not in REFERRAL_ACTIONS and ADVICE_REFER not in advice:
            advice.append(ADVICE_REFER)
        if text and text not in advice:
            advice.append(text)
    return tuple(advice)
