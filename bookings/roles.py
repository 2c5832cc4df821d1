from clinic.roles import FRONT_DESK, MANAGER, THERAPIST  # noqa: F401

# Filled by each capability as its models land: {role: {model_name: (actions...)}}.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {FRONT_DESK: {}, THERAPIST: {}, MANAGER: {}}
