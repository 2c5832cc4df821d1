from clinic.roles import FRONT_DESK, MANAGER, THERAPIST, A, C, D, V

SCHEDULE = ("appointment", "workinghours", "timeoff", "closure", "bookingpolicy")
# Session notes and their parts: therapists chart, managers see all; the front desk nothing.
NOTES = ("sessionnote", "notechecklistitem", "bodymapentry", "notereferral", "homecareassignment")

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
        **{model: (V, A, C) for model in NOTES},
        "noteaddendum": (V, A),
    },
    MANAGER: {
        **{model: (V, A, C, D) for model in SCHEDULE},
        **{model: (V, A, C, D) for model in NOTES},
        # Append-only: addenda are added, never changed; the access log is only read.
        "noteaddendum": (V, A),
        "accesslog": (V,),
        "portaltoken": (V, A, C, D),
    },
}
ROLE_PERMISSIONS[MANAGER]["onlinebooking"] = (V, A, C, D)  # online bookings: manager only
# What was submitted online holds health answers: read-only, narrowed by the visibility rule.
ROLE_PERMISSIONS[THERAPIST]["onlinesubmission"] = (V,)
ROLE_PERMISSIONS[MANAGER]["onlinesubmission"] = (V, A, C, D)
# Break the glass: therapists ask (add) and see their own; the manager lists them all.
ROLE_PERMISSIONS[THERAPIST]["emergencyaccess"] = (V, A)
ROLE_PERMISSIONS[MANAGER]["emergencyaccess"] = (V, A, C, D)
# Treatment plans hold a clinical goal and outcome scores: therapists and managers only.
# Outcome responses are append-only (read-only once submitted).
for _role, _plan_actions in ((THERAPIST, (V, A, C)), (MANAGER, (V, A, C, D))):
    ROLE_PERMISSIONS[_role].update(
        {"treatmentplan": _plan_actions, "plansession": _plan_actions, "outcomeresponse": (V, A)}
    )
