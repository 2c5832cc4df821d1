from django.conf import settings


def clinic(request) -> dict:
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_email": settings.CLINIC_EMAIL,
    }
