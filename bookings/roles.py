from clinic.roles import FRONT_DESK, MANAGER, THERAPIST, A, C, D, V

SCHEDULE = ("appointment", "workinghours", "timeoff", "closure", "bookingpolicy")
# Session notes and their parts: therapists chart, managers see all; the front desk nothing.
NOTES = ("sessionnote", "notechecklistitem", "bodymapentry", "notereferral", "homecareassignment")

# {role: {model_name: (actions...)}}, granted to the role groups after every migrate.
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
        # Written only by the retention purge, kept as its record.
        "recordpurge": (V,),
        "portaltoken": (V, A, C, D),
    },
}
ROLE_PERMISSIONS[MANAGER]["onlinebooking"] = (V, A, C, D)  # online bookings: manager only
# Client emails: the front desk sees them on the appointment and resends failed ones; the
# manager also watches the queue (the upkeep schedule and the backend's job rows).
ROLE_PERMISSIONS[FRONT_DESK]["emaildelivery"] = (V, C)
ROLE_PERMISSIONS[MANAGER]["emaildelivery"] = (V, A, C, D)
ROLE_PERMISSIONS[MANAGER]["upkeepjob"] = (V, A, C, D)
# The task backend's own rows (app label django_tasks_database), read-only, for the manager.
JOB_ROLE_PERMISSIONS = {MANAGER: {"dbtaskresult": (V,)}}
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
# Unfinished online bookings are not in the admin; the manager holds the permissions so
# every model stays the manager's, as for the rest of the clinic's data.
ROLE_PERMISSIONS[MANAGER]["bookingdraft"] = (V, A, C, D)
