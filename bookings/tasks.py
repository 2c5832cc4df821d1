"""Background jobs (django-tasks), run by `manage.py run_worker`.

Each job is a thin call into a service, so a job and any other entry point obey the same
rules. Arguments are ids and plain values, never personal data beyond what the job needs.
"""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_email(delivery_id: int) -> str:
    from bookings.services.mail import email_deliver

    return email_deliver(delivery_id=delivery_id)


@task()
def issue_portal_link(email: str) -> None:
    from bookings.services.portal import portal_link_issue

    portal_link_issue(email=email)


@task()
def run_upkeep(name: str) -> str:
    from bookings.services.upkeep import upkeep_run

    return upkeep_run(name=name)
