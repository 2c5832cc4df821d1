from clinic.roles import FRONT_DESK, MANAGER, THERAPIST, A, C, D, V

CATALOGUE = ("bodysite", "treatmenttype", "treatmentoption", "homecaresheet")

ROLE_PERMISSIONS = {
    FRONT_DESK: {model: (V,) for model in CATALOGUE},
    THERAPIST: {model: (V,) for model in CATALOGUE},
    MANAGER: {model: (V, A, C, D) for model in CATALOGUE},
}
