"""Time and records: availability, appointments, online booking and session notes.

The models are split into modules by capability; this package re-exports them so Django
and the rest of the code can use `bookings.models.X`.
"""
