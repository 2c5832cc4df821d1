"""Admin registrations, one module per capability.

`schedule` must be imported before `workspace`, which subclasses its Appointment admin
and registers again (alphabetical order keeps it so).
"""

from bookings.admin import clients, mail, notes, schedule, workspace  # noqa: F401
