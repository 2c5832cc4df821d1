"""Questions about the day of the visit are asked on that day.

`ci-fever`, `ci-intoxicated` and `ci-feedback-meds` ask how the client is on the day
("today", "in the last 6 hours"). Answered at booking, days ahead, they are guesses: a
fever next week cannot be known now, and a "no" given at booking says nothing about the
visit. Each gets a new version with `asked_on_visit_day` set: booking neither asks nor
judges them, check-in asks them again and the session is judged on that visit's answers.
The old versions stay as they were, so answers and session notes that name them keep the
wording (and the meaning) they were given with.
"""

from django.db import migrations, models
from django.db.models import Max
from django.utils import timezone

ON_THE_DAY = ("ci-fever", "ci-intoxicated", "ci-feedback-meds")

# The content of a version in this migration's state (frozen here: later migrations may add
# fields to the model, and this one must keep copying what existed at this point).
COPIED = (
    "question",
    "wording",
    "category",
    "action",
    "requires_clearance",
    "refer",
    "other_types_action",
    "escalates_with_emergency",
    "guidance",
    "client_advice",
)


def add_versions(apps, schema_editor):
    db = schema_editor.connection.alias
    Item = apps.get_model("treatments", "ContraindicationItem")
    Version = apps.get_model("treatments", "ContraindicationVersion")
    now = timezone.now()
    for item in (
        Item.objects.using(db).filter(code__in=ON_THE_DAY).select_related("current_version")
    ):
        current = item.current_version
        if current is None or current.asked_on_visit_day:
            continue  # a clinic that removed the item keeps it removed
        content = {field: getattr(current, field) for field in COPIED}
        number = Version.objects.using(db).filter(item=item).aggregate(n=Max("version"))["n"] + 1
        version = Version.objects.using(db).create(
            item=item, version=number, created_at=now, asked_on_visit_day=True, **content
        )
        version.treatment_types.set(current.treatment_types.all())
        version.body_sites.set(current.body_sites.all())
        item.current_version = version
        item.save(update_fields=["current_version"])


def remove_versions(apps, schema_editor):
    db = schema_editor.connection.alias
    Item = apps.get_model("treatments", "ContraindicationItem")
    Version = apps.get_model("treatments", "ContraindicationVersion")
    for item in (
        Item.objects.using(db).filter(code__in=ON_THE_DAY).select_related("current_version")
    ):
        if item.current_version is None or not item.current_version.asked_on_visit_day:
            continue
        previous = Version.objects.using(db).filter(item=item).order_by("-version")[1:2].first()
        if previous is not None:
            item.current_version = previous
            item.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("treatments", "0005_plain_time_bound_questions")]

    operations = [
        migrations.AddField(
            model_name="contraindicationversion",
            name="asked_on_visit_day",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "About how the client is on the day (fever, alcohol, painkillers taken): not "
                    "asked or judged at booking; asked again at check-in and judged for that "
                    "visit only."
                ),
                verbose_name="asked on the day of the visit",
            ),
        ),
        migrations.RunPython(add_versions, remove_versions),
    ]
