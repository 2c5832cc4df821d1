"""Request schemas of `POST /api/bookings` (its responses are in `bookings/views/api.py`).

Every input schema forbids unknown fields (`extra="forbid"`): a misspelt field such as
"polcy_accepted" is refused by name instead of being silently ignored. Booleans and
numbers are strict, so "yes" or "60" (strings) are refused rather than guessed.
"""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr

NUL_REFUSED = "Text must not contain NUL (0x00) characters."


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; refuse it here as bad input, not a 500 there.
    if "\x00" in value:
        raise ValueError(NUL_REFUSED)
    return value


Text = Annotated[StrictStr, AfterValidator(_no_nul)]


class ClientIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(max_length=160, examples=["Ada Client"])
    email: Text = Field(max_length=254, examples=["ada@example.com"])
    phone: Text = Field(max_length=32, examples=["+1 416 555 0100"])


class ConsentsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    treatment: StrictBool = Field(description="Consent to treatment; must be true.")
    sensitive_areas: list[Text] = Field(
        default_factory=list,
        max_length=10,
        description='Sensitive areas consented to, e.g. ["gluteal"]; required when the '
        "treatment works such an area.",
    )


class BookingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    treatment: Text = Field(max_length=40, examples=["trigger-point"])
    duration: StrictInt = Field(
        ge=1, le=1440, description="Minutes, one of the treatment's options.", examples=[60]
    )
    start: Text = Field(
        max_length=64,
        description="A slot's start exactly as /api/slots returned it (ISO 8601 with offset).",
        examples=["2026-11-23T10:00:00-05:00"],
    )
    # Bounded so an absurd id is a 400, not an integer overflow in the database.
    therapist: StrictInt | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="Therapist id; omit or null for no preference.",
    )
    client: ClientIn
    screening: dict[Text, StrictBool] = Field(
        max_length=200,
        description="Answers by catalogue code: every red flag and the items relevant to "
        "the treatment must be answered.",
        examples=[{"rf-saddle-numbness": False, "rf-bladder": False}],
    )
    consents: ConsentsIn
    policy_accepted: StrictBool
