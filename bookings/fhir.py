"""One client's record as a FHIR R4B bundle (Patient, Appointment, Questionnaire,
QuestionnaireResponse, Observation), built and validated with `fhir.resources`.

R4B is wire-compatible with R4 for these resources, which is what most servers accept;
`fhir.resources` 8 validates every resource with pydantic v2 as it is built, so a bundle
this returns has already passed the library's validation. Scores travel twice: as the raw
answers in each QuestionnaireResponse (so the receiver can re-score them) and as an
Observation per score (LOINC 72514-3 for the 0-10 pain scale). Only what the client's own
export needs is here; who may ask for it is decided by the caller.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from bookings.models import Appointment, AppointmentStatus, OutcomeResponse
from bookings.models.notes import NoteStatus, SessionNote
from clinic.models import Client
from treatments.outcomes import INSTRUMENTS, NPRS, PSFS, RMDQ, Instrument

Status = AppointmentStatus
APPOINTMENT_STATUS = {
    Status.BOOKED: "booked",
    Status.CONFIRMED: "booked",
    Status.CHECKED_IN: "checked-in",
    Status.COMPLETED: "fulfilled",
    Status.CANCELLED: "cancelled",
    Status.NO_SHOW: "noshow",
}
LOINC = "http://loinc.org"
PAIN_LOINC = "72514-3"  # Pain severity - 0-10 verbal numeric rating [Score] - Reported
OUTCOME_SYSTEM = "urn:clinic:outcome-measure"


def _urn(uuid) -> str:
    return f"urn:uuid:{uuid}"


def _derived(base: uuid.UUID | str, name: str) -> uuid.UUID:
    """A stable id for a resource made from a row (a score from a response), so the same
    export twice gives the same ids."""
    namespace = base if isinstance(base, uuid.UUID) else uuid.uuid5(uuid.NAMESPACE_URL, base)
    return uuid.uuid5(namespace, name)


def questionnaire_url(instrument: Instrument) -> str:
    return f"{settings.SITE_URL}/fhir/Questionnaire/{instrument.code}"


def _questionnaire(instrument: Instrument) -> Questionnaire:
    if instrument.code == PSFS:
        items: list[dict[str, Any]] = [
            {
                "linkId": f"a{n}",
                "type": "group",
                "text": f"Activity {n}",
                "required": n <= 3,
                "item": [
                    {"linkId": f"a{n}.activity", "type": "string", "text": "Activity"},
                    {"linkId": f"a{n}.rating", "type": "integer", "text": "Rating (0-10)"},
                ],
            }
            for n in range(1, 6)
        ]
    elif instrument.code == RMDQ:
        items = [{"linkId": i.key, "type": "boolean", "text": i.text} for i in instrument.items]
    else:
        items = [{"linkId": i.key, "type": "integer", "text": i.text, "required": True} for i in instrument.items]
    return Questionnaire(
        id=f"{instrument.code}-v{instrument.version}",
        url=questionnaire_url(instrument),
        version=str(instrument.version),
        name=instrument.title.replace("-", "").replace(" ", ""),
        title=instrument.title,
        status="active",
        description=instrument.instructions,
        item=items,
    )


def _answers(response: OutcomeResponse) -> list[dict[str, Any]]:
    answers = response.answers
    if response.instrument == PSFS:
        return [
            {
                "linkId": key,
                "item": [
                    {"linkId": f"{key}.activity", "answer": [{"valueString": entry["activity"]}]},
                    {
                        "linkId": f"{key}.rating",
                        **({"answer": [{"valueInteger": entry["rating"]}]} if entry["rating"] is not None else {}),
                    },
                ],
            }
            for key, entry in answers.items()
        ]
    if response.instrument == RMDQ:
        return [
            {"linkId": item["key"], "text": item["text"], "answer": [{"valueBoolean": bool(answers.get(item["key"]))}]}
            for item in response.wording
        ]
    return [
        {"linkId": item["key"], "text": item["text"], "answer": [{"valueInteger": answers[item["key"]]}]}
        for item in response.wording
        if answers.get(item["key"]) is not None
    ]


def answers_from_fhir(instrument: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The raw answers back from a QuestionnaireResponse's items (for re-scoring)."""
    if instrument == PSFS:
        result = {}
        for group in items:
            parts = {sub["linkId"].split(".")[1]: (sub.get("answer") or [{}])[0] for sub in group["item"]}
            result[group["linkId"]] = {
                "activity": parts["activity"].get("valueString", ""),
                "rating": parts["rating"].get("valueInteger"),
            }
        return result
    key = "valueBoolean" if instrument == RMDQ else "valueInteger"
    return {item["linkId"]: item["answer"][0][key] for item in items if item.get("answer")}


def _observation(*, uuid, patient_ref: str, code: dict, value: Decimal | int, when, derived_from=None):
    value_field: dict[str, Any] = (
        {"valueInteger": int(value)} if Decimal(value) == int(value) else {"valueQuantity": {"value": float(value)}}
    )
    return Observation(
        id=str(uuid),
        status="final",
        category=[{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                               "code": "survey"}]}],
        code=code,
        subject={"reference": patient_ref},
        effectiveDateTime=when,
        derivedFrom=[{"reference": derived_from}] if derived_from else None,
        **value_field,
    )


def _score_code(instrument: Instrument) -> dict[str, Any]:
    coding = [{"system": OUTCOME_SYSTEM, "code": f"{instrument.code}-score", "display": instrument.title}]
    if instrument.code == NPRS:
        coding.insert(0, {"system": LOINC, "code": PAIN_LOINC, "display": "Pain severity 0-10 [Score]"})
    return {"coding": coding, "text": f"{instrument.title} score"}


def client_bundle(client: Client) -> Bundle:
    """Everything of `client`'s that the FHIR export carries, as one collection bundle."""
    patient_ref = _urn(client.public_id)
    entries: list[dict[str, Any]] = []

    def add(resource, uuid) -> None:
        entries.append({"fullUrl": _urn(uuid), "resource": resource})

    telecom = [{"system": "email", "value": client.email}] if client.email else []
    if client.phone:
        telecom.append({"system": "phone", "value": client.phone})
    add(
        Patient(
            id=str(client.public_id),
            name=[{"family": client.last_name or None, "given": [client.first_name]}],
            telecom=telecom or None,
            birthDate=client.date_of_birth,
        ),
        client.public_id,
    )
    for appointment in Appointment.objects.filter(client=client).select_related(
        "therapist", "treatment_type"
    ).order_by("starts_at"):
        add(
            FhirAppointment(
                id=str(appointment.public_id),
                status=APPOINTMENT_STATUS[appointment.status],
                serviceType=[{"text": appointment.treatment_type.name}],
                start=appointment.starts_at,
                end=appointment.ends_at,
                minutesDuration=appointment.duration_minutes,
                participant=[
                    {"actor": {"reference": patient_ref}, "status": "accepted"},
                    {"actor": {"display": appointment.therapist.display_name}, "status": "accepted"},
                ],
            ),
            appointment.public_id,
        )

    responses = list(OutcomeResponse.objects.filter(client=client).order_by("submitted_at"))
    for code, version in sorted({(r.instrument, r.instrument_version) for r in responses}):
        instrument = INSTRUMENTS[code]
        if instrument.version == version:
            add(_questionnaire(instrument), _derived(questionnaire_url(instrument), str(version)))
    for response in responses:
        instrument = INSTRUMENTS[response.instrument]
        response_ref = _urn(response.public_id)
        add(
            QuestionnaireResponse(
                id=str(response.public_id),
                questionnaire=f"{questionnaire_url(instrument)}|{response.instrument_version}",
                status="completed",
                subject={"reference": patient_ref},
                authored=response.submitted_at,
                item=_answers(response) or None,
            ),
            response.public_id,
        )
        if response.score is not None:
            score_id = _derived(response.public_id, "score")
            add(
                _observation(
                    uuid=score_id, patient_ref=patient_ref,
                    code=_score_code(instrument), value=response.score,
                    when=response.submitted_at, derived_from=response_ref,
                ),
                score_id,
            )
    # Pain before and after treatment from signed notes: the scale is the NPRS.
    for note in SessionNote.objects.filter(client=client, status=NoteStatus.SIGNED).select_related(
        "appointment"
    ):
        for moment, value in (("before", note.pain_before), ("after", note.pain_after)):
            if value is None:
                continue
            code = _score_code(INSTRUMENTS[NPRS])
            code["text"] = f"Pain {moment} treatment (0-10)"
            pain_id = _derived(note.public_id, f"pain-{moment}")
            add(
                _observation(
                    uuid=pain_id, patient_ref=patient_ref, code=code,
                    value=value, when=note.appointment.starts_at,
                ),
                pain_id,
            )
    return Bundle(type="collection", entry=entries or None)
