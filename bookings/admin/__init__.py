"""Admin registrations on the clinic's admin site (`bookings.admin_site`), one module per
part of the back office; each model is registered once."""

from bookings.admin import (  # noqa: F401
    appointments,
    care,
    clients,
    mail,
    notes,
    online,
    people,
    plans,
    schedule,
)
