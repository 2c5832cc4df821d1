from clinic.roles import FRONT_DESK, MANAGER, THERAPIST, A, C, D, V

SCHEDULE = ("appointment", "workinghours", "timeoff", "closure", "bookingpolicy")

# Filled by each capability as its models land: {role: {model_name: (actions...)}}.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    FRONT_DESK: {
        "appointment": (V, A, C),
        "timeoff": (V, A, C),
        "workinghours": (V,),
        "closure": (V,),
        "bookingpolicy": (V,),
    },
    THERAPIST: {
        "appointment": (V, C),
        "workinghours": (V,),
        "timeoff": (V,),
        "closure": (V,),
        "bookingpolicy": (V,),
    },
    MANAGER: {model: (V, A, C, D) for model in SCHEDULE},
}
