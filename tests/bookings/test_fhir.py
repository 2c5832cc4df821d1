"""The client's FHIR bundle: validated by fhir.resources and round-tripping the scores."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from bookings.fhir import answers_from_fhir, client_bundle
from bookings.models import OutcomeResponse, ResponseSource, SessionNote
from bookings.models.notes import NoteStatus
from bookings.services.outcomes import outcome_submit
from tests.bookings.conftest import make_plan
from treatments.outcomes import INSTRUMENTS


def test_bundle_validates_and_round_trips_every_score(client_person, working_therapist, option_60):
    plan = make_plan(client_person, working_therapist, option_60, measures=("nprs", "rmdq", "psfs"))
    first = plan.plan_sessions.get(number=1).appointment
    fourth = plan.plan_sessions.get(number=4).appointment
    by = working_therapist.user
    for appointment, pain, ticked, ratings in ((first, 8, 14, (2, 3, 4)), (fourth, 5, 6, (5, None, 7))):
        def submit(code, answers, appointment=appointment):
            outcome_submit(client=client_person, appointment=appointment, instrument=code,
                           answers=answers, source=ResponseSource.STAFF, by=by)
        submit("nprs", {"pain": pain})
        submit("rmdq", {f"q{n}": n <= ticked for n in range(1, 25)})
        submit("psfs", {f"a{n}": {"activity": f"Activity {n}", "rating": r}
                        for n, r in enumerate(ratings, start=1)})
    SessionNote.objects.create(
        appointment=first, client=client_person, therapist=working_therapist, pain_before=7,
        pain_after=4, status=NoteStatus.SIGNED, signed_at=timezone.now(), signed_by=by,
    )

    raw = client_bundle(client_person).model_dump_json()
    bundle = Bundle.model_validate_json(raw)  # the library validates every resource

    resources = [entry.resource for entry in bundle.entry]
    kinds = [r.get_resource_type() for r in resources]
    assert kinds.count("Patient") == 1
    assert kinds.count("Appointment") == 8
    assert kinds.count("Questionnaire") == 3
    assert kinds.count("QuestionnaireResponse") == 6
    assert kinds.count("Observation") == 6 + 2  # one per score, pain before and after
    full_urls = {entry.fullUrl for entry in bundle.entry}
    assert len(full_urls) == len(bundle.entry)

    observations = {
        o.derivedFrom[0].reference: o for o in resources
        if o.get_resource_type() == "Observation" and o.derivedFrom
    }
    stored = {str(r.public_id): r for r in OutcomeResponse.objects.all()}
    for qr in (r for r in resources if r.get_resource_type() == "QuestionnaireResponse"):
        response = stored[qr.id]
        instrument = INSTRUMENTS[response.instrument]
        assert qr.questionnaire.endswith(f"/{instrument.code}|{instrument.version}")
        items = [item.model_dump(exclude_none=True) for item in qr.item]
        rescored = instrument.score(answers_from_fhir(instrument.code, items))
        assert rescored == response.score
        observation = observations[f"urn:uuid:{qr.id}"]
        value = observation.valueInteger if observation.valueInteger is not None else observation.valueQuantity.value
        assert Decimal(str(value)) == response.score
    pain_codes = [
        o.code.coding[0].code for o in resources
        if o.get_resource_type() == "Observation" and o.code.text.startswith(("Pain", "Numeric"))
    ]
    assert pain_codes.count("72514-3") == 4  # two NPRS responses, pain before and after
    assert client_bundle(client_person).model_dump_json() == raw  # stable ids
