"""The risk factors for a spinal infection get questions of their own.

The first `rf-infection` asked about a fever, injected drugs and lowered immunity in one
question; migration 0005 narrowed it to the fever since the back pain began. The reference
(clinical-reference.md, Part 1) keeps the other two as red flags for a spinal infection,
urgent like the fever, so each becomes its own item, asked as one plain question with a
time limit: a client who answers one of them now answers exactly that.

Judgment calls (recorded so a reviewer can disagree):
- Injected drugs: "in the last 12 months". The sources give no period; a year keeps past
  use that still raises the risk and leaves out use long ago.
- Lowered immunity: "at the moment", with the usual causes named in plain words (cancer
  treatment, steroid tablets taken every day, transplant medicine, HIV), because people do
  not know the word immunosuppression.
Both are urgent red flags like `rf-infection` (same-day or within days medical assessment;
booking online is refused with the advice shown). Existing items and versions are untouched.
"""

from django.db import migrations
from django.utils import timezone

URGENT_CLOSE = (
    " Please see a doctor before you book: today if you can, and at the latest within a "
    "few days. We can treat you once a doctor has checked you."
)
GUIDANCE = (
    "Risk factor for a spinal infection (discitis, osteomyelitis, epidural abscess) in a client "
    "with back pain. Do not treat the back or leg for this complaint; same-day medical contact; "
    "record the referral."
)

ITEMS = [
    {
        "code": "rf-infection-drugs",
        "question": "In the last 12 months, have you injected drugs that were not prescribed for you?",
        "wording": "Injected non-prescribed drugs in the last 12 months (spinal infection risk).",
        "client_advice": (
            "Back pain after injecting drugs can come from an infection of the spine, which "
            "needs medical treatment." + URGENT_CLOSE
        ),
    },
    {
        "code": "rf-infection-immunity",
        "question": (
            "Is your body's defence against infection weakened at the moment, for example by "
            "cancer treatment, steroid tablets you take every day, medicine after a transplant, "
            "or HIV?"
        ),
        "wording": (
            "Immunosuppressed now (chemotherapy, long-term oral corticosteroids, transplant "
            "immunosuppressants, HIV): spinal infection risk."
        ),
        "client_advice": (
            "Back pain when your body's defence against infection is weakened can come from an "
            "infection of the spine, which needs medical treatment." + URGENT_CLOSE
        ),
    },
]


def add_items(apps, schema_editor):
    db = schema_editor.connection.alias
    Item = apps.get_model("treatments", "ContraindicationItem")
    Version = apps.get_model("treatments", "ContraindicationVersion")
    infection = Item.objects.using(db).filter(code="rf-infection").first()
    if infection is None:
        return  # a clinic that removed the infection red flag keeps it removed
    now = timezone.now()
    for row in ITEMS:
        if Item.objects.using(db).filter(code=row["code"]).exists():
            continue
        # The same sort order as rf-infection: items sort by order then code, so they follow it.
        item = Item.objects.using(db).create(code=row["code"], sort_order=infection.sort_order)
        version = Version.objects.using(db).create(
            item=item,
            version=1,
            question=row["question"],
            wording=row["wording"],
            category="red-flag",
            action="urgent",
            refer=True,
            guidance=GUIDANCE,
            client_advice=row["client_advice"],
            created_at=now,
        )
        item.current_version = version
        item.save(update_fields=["current_version"])


def remove_items(apps, schema_editor):
    db = schema_editor.connection.alias
    Item = apps.get_model("treatments", "ContraindicationItem")
    Version = apps.get_model("treatments", "ContraindicationVersion")
    codes = [row["code"] for row in ITEMS]
    Item.objects.using(db).filter(code__in=codes).update(current_version=None)
    Version.objects.using(db).filter(item__code__in=codes).delete()
    Item.objects.using(db).filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("treatments", "0006_asked_on_visit_day")]

    operations = [migrations.RunPython(add_items, remove_items)]
