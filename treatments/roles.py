from clinic.roles import FRONT_DESK, MANAGER, THERAPIST, A, C, D, V

CATALOGUE = ("bodysite", "treatmenttype", "treatmentoption", "homecaresheet")
# The contraindication catalogue is clinical rules: staff who treat read it, managers edit it.
CLINICAL_CATALOGUE = ("contraindicationitem", "contraindicationversion")
# A client's health record. The front desk gets nothing here, not even view.
HEALTH_RECORD = ("healthintake", "contraindicationanswer", "consent", "medicalclearance")
HISTORY = ("healthrecordchange",)

ROLE_PERMISSIONS = {
    FRONT_DESK: {model: (V,) for model in CATALOGUE},
    THERAPIST: {
        **{model: (V,) for model in CATALOGUE + CLINICAL_CATALOGUE + HISTORY},
        **{model: (V, A, C) for model in HEALTH_RECORD},
    },
    MANAGER: {
        model: (V, A, C, D) for model in CATALOGUE + CLINICAL_CATALOGUE + HEALTH_RECORD + HISTORY
    },
}
