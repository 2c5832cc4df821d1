"""Finding the client and the accountable staff member a privacy command names."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from clinic.models import Client


def client_by_ref(ref: str) -> Client:
    """The client with this id or email address, or a CommandError that says so."""
    ref = ref.strip()
    client = Client.objects.filter(pk=int(ref)).first() if ref.isdigit() else Client.objects.filter(email__iexact=ref).first()
    if client is None:
        raise CommandError(f"No client with id or email {ref!r}.")
    return client


def staff_by_username(username: str):
    """The active staff member who answers for what the command does (it is logged)."""
    user = get_user_model().objects.filter(username=username, is_staff=True, is_active=True).first()
    if user is None:
        raise CommandError(f"No active staff member with username {username!r}.")
    return user
