"""Staff roles as Django groups.

The groups are created by a migration. Each app declares which of its own permissions each
role gets (`ROLE_PERMISSIONS` in its `roles.py`), and grants them after `migrate`, when
Django has created the permission rows. So `clinic` never names a model of a higher app,
and a new model's permissions reach the roles on the next `migrate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

FRONT_DESK = "Front desk"
THERAPIST = "Therapist"
MANAGER = "Clinic manager"
ROLES = (FRONT_DESK, THERAPIST, MANAGER)

V, A, C, D = "view", "add", "change", "delete"

# Front desk: clients, rooms (read), therapists (read); no clinical records anywhere.
ROLE_PERMISSIONS: dict[str, dict[str, Iterable[str]]] = {
    FRONT_DESK: {"client": (V, A, C), "therapist": (V,), "room": (V,)},
    THERAPIST: {"client": (V, C), "therapist": (V,), "room": (V,)},
    MANAGER: {"client": (V, A, C, D), "therapist": (V, A, C, D), "room": (V, A, C, D)},
}


# Django's own auth models: the manager runs staff accounts.
AUTH_ROLE_PERMISSIONS = {MANAGER: {"user": (V, A, C, D), "group": (V,)}}
# Sign-in defences, by app label: the manager lifts a lockout (deletes its access attempts)
# and removes a lost phone's authenticator so its owner can enrol again.
SIGN_IN_ROLE_PERMISSIONS = {
    "axes": {MANAGER: {"accessattempt": (V, D), "accessfailurelog": (V, D), "accesslog": (V,)}},
    "otp_totp": {MANAGER: {"totpdevice": (V, D)}},
    "otp_static": {MANAGER: {"staticdevice": (V, D)}},
}


def grant(app_label: str, matrix: Mapping[str, Mapping[str, Iterable[str]]], using: str = "default") -> None:
    """Give each role the listed permissions of `app_label`'s models (adds, never removes)."""
    from django.contrib.auth.models import Group, Permission

    for role, models in matrix.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        codenames = [f"{action}_{model}" for model, actions in models.items() for action in actions]
        perms = Permission.objects.using(using).filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        group.permissions.add(*perms)


def user_roles(user) -> set[str]:
    """The user's role names, read once per user object (a request's `request.user`), as
    Django caches permissions: a staff page asks several times."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_clinic_roles"):
        user._clinic_roles = frozenset(user.groups.values_list("name", flat=True))
    return set(user._clinic_roles)


def load_access(user) -> None:
    """Give a signed-in user (a request's `request.user`) their permissions, roles and
    whether they have a therapist record from the cache, instead of four queries on every
    staff page. They are kept per user and superuser flag on the ACCESS generation, which
    every change to roles, permissions, who holds them and therapist records renews once
    it commits (clinic/apps.py); `is_active` and `is_superuser` are read from the user's
    row on each request as before. Django's ModelBackend, `user_roles` and the user's
    `therapist` relation find them where they keep their own per-request copies (a
    therapist record itself is still read when asked for). Nothing is given when this
    connection holds an uncommitted change to them."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.backends import ModelBackend

    from clinic import generations

    if not (user.is_authenticated and user.is_active):
        return
    token = generations.tokens(generations.ACCESS)
    if token is None:
        return
    # A superuser is allowed everything without reading permissions: only the roles.
    superuser = user.is_superuser

    def read() -> tuple[frozenset[str], frozenset[str], frozenset[str], bool]:
        backend = ModelBackend()
        therapist = hasattr(user, "therapist")
        if superuser:
            return frozenset(), frozenset(), frozenset(user_roles(user)), therapist
        return (
            frozenset(backend.get_user_permissions(user)),
            frozenset(backend.get_group_permissions(user)),
            frozenset(user_roles(user)),
            therapist,
        )

    own, through_roles, roles, therapist = generations.cached(
        token, ("access", user.pk, superuser), read
    )
    user._clinic_roles = roles
    if not therapist:
        # What Django itself keeps once it has found no record: `user.therapist` raises.
        get_user_model().therapist.related.set_cached_value(user, None)
    if not superuser:
        user._user_perm_cache = set(own)
        user._group_perm_cache = set(through_roles)
        user._perm_cache = {*own, *through_roles}


def is_manager(user) -> bool:
    return user.is_active and (user.is_superuser or MANAGER in user_roles(user))
