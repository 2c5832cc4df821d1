"""The second factor for staff who see clinical records (django-otp: TOTP and recovery codes).

With STAFF_MFA_REQUIRED on, a therapist or clinic manager who has signed in with a password
is not yet let in: every staff page sends them to enrol an authenticator app (first time) or
to type its code (every sign-in). The rule sits in a middleware, not in the admin site, so
every staff page (admin, workspace, printouts) is covered whichever AdminSite serves it.
"""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import Therapist
from clinic.redirects import safe_next
from clinic.roles import THERAPIST, is_manager, user_roles

RECOVERY_CODE_COUNT = 10
CODE_WRONG = (
    "That code did not match. Wait for the app's next code and type it; if it keeps failing, "
    "check that the time on your phone is set automatically."
)
NEW_CODES_SESSION_KEY = "mfa_new_recovery_codes"


def needs_second_factor(user) -> bool:
    """Whether `user` is in a role that sees clinical records (therapist, manager)."""
    if not (user.is_authenticated and user.is_staff):
        return False
    return (
        is_manager(user)
        or THERAPIST in user_roles(user)
        or Therapist.objects.filter(user=user).exists()
    )


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("mfa_setup"),
        reverse("mfa_verify"),
        reverse("mfa_recovery_codes"),
        reverse("admin:logout"),
        settings.STATIC_URL,
    )


class StaffSecondFactorMiddleware:
    """Send a signed-in therapist or manager without a verified second factor to the
    enrolment or code page before any other page (after OTPMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.STAFF_MFA_REQUIRED
            and user.is_authenticated
            and not user.is_verified()
            and not request.path_info.startswith(_exempt_paths())
            and needs_second_factor(user)
        ):
            step = reverse("mfa_verify" if user_has_device(user) else "mfa_setup")
            if request.method == "GET":
                step += "?" + urlencode({"next": request.get_full_path()})
            return redirect(step)
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code and secret, confirmed by a first code."""
    user = request.user
    if user_has_device(user):
        return redirect(safe_next(request, reverse("admin:index")))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = _confirm(device)
            otp_login(request, device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            target = safe_next(request, reverse("admin:index"))
            return redirect(reverse("mfa_recovery_codes") + "?" + urlencode({"next": target}))
        form.add_error("code", CODE_WRONG)
    secret = b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "clinic/mfa/setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - generated SVG, no user text
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": safe_next(request, ""),
        },
    )


@transaction.atomic
def _confirm(device: TOTPDevice) -> list[str]:
    """Confirm the app and issue fresh recovery codes (shown once, stored by django-otp)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=device.user).delete()
    static = StaticDevice.objects.create(user=device.user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    target = safe_next(request, reverse("admin:index"))
    if not codes:
        return redirect(target)
    return render(request, "clinic/mfa/recovery_codes.html", {"codes": codes, "next": target})


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of a staff sign-in: a code from the app, or one recovery code."""
    user = request.user
    if not user_has_device(user):
        return redirect(reverse("mfa_setup") + "?" + urlencode({"next": safe_next(request, "")}))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _device_accepting(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(safe_next(request, reverse("admin:index")))
        form.add_error("code", CODE_WRONG)
    return render(request, "clinic/mfa/verify.html", {"form": form, "next": safe_next(request, "")})


def _device_accepting(user, code: str):
    # Each device checks its own throttle (django-otp slows down repeated wrong codes) and a
    # recovery code is used up by the check that accepts it.
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if device.verify_token(code):
                return device
    return None
