"""Views of the bookings app: public pages, staff pages and the JSON API (`api`)."""
