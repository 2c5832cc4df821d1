"""Questions fit for the public: new versions of the items clients answered wrongly.

Each rewritten item gets a new version (the old one stays, so answers and session notes
that name it keep the wording they were given): one question at a time, a time limit, plain
words, and what not to count. `rf-dvt` gets its follow-up, `rf-dvt-breathless`, an
emergency red flag, and now escalates with it: a swollen leg with breathlessness or chest
pain is a possible pulmonary embolism, the escalation the reference asks for.

Items rewritten here, and the judgment call behind each:
- rf-infection asked two things at once (fever, and drug use or immunity) with no time
  limit; it now asks about fever or chills since the back pain began, within six weeks.
- rf-cancer caught a skin cancer removed 20 years ago; it now asks about cancer in the
  last five years or under treatment, not counting a skin cancer that was simply cut out.
- rf-dvt had no "new" or "sudden": a long-swollen ankle answered yes.
- rf-both-legs caught long-standing diabetic numbness of the feet.
- ci-intoxicated, ci-fever, ci-feedback-meds are about the day of the visit, in hours.
"""

from django.db import migrations
from django.db.models import Max
from django.utils import timezone

REWRITES = {
    "rf-infection": {
        "question": (
            "Since your back pain began (in the last 6 weeks), have you had a fever or shivering "
            "chills?"
        ),
        "wording": "Fever or chills since the onset of back pain (last 6 weeks): possible spinal infection.",
    },
    "rf-cancer": {
        "question": (
            "Not counting a small skin cancer that was simply cut out, have you had cancer in "
            "the last 5 years, or are you being treated for cancer now?"
        ),
        "wording": (
            "Cancer in the last 5 years or under treatment (excluding excised non-melanoma skin "
            "cancer), with back pain."
        ),
    },
    "rf-dvt": {
        "question": (
            "In the last 2 weeks, has one of your calves or legs suddenly become swollen, warm, "
            "red or painful?"
        ),
        "wording": (
            "New (last 2 weeks) unilateral calf or leg swelling, warmth, redness or tenderness: "
            "possible DVT."
        ),
        "escalates_with_emergency": True,
    },
    "rf-both-legs": {
        "question": (
            "Not counting numbness in your feet that you have had for a long time (for example "
            "from diabetes), have you had sciatica, numbness or weakness in both legs at the "
            "same time in the last few weeks?"
        ),
        "wording": (
            "New bilateral sciatica, or new bilateral leg numbness or weakness (not long-standing "
            "peripheral neuropathy)."
        ),
    },
    "ci-intoxicated": {
        "question": "In the last 6 hours, have you had alcohol or recreational drugs?",
        "wording": "Alcohol or recreational drugs in the 6 hours before the session.",
    },
    "ci-fever": {
        "question": "Today, do you have a fever (38 °C or higher) or feel ill with flu or another infection?",
        "wording": "Fever or acute systemic infection on the day of the session.",
    },
    "ci-feedback-meds": {
        "question": "In the last 6 hours, have you taken painkillers or muscle relaxants?",
        "wording": "Analgesics or muscle relaxants taken in the 6 hours before the session.",
    },
}

BREATHLESS = {
    "code": "rf-dvt-breathless",
    "question": (
        "Are you short of breath, or do you have chest pain, that started in the last 2 weeks?"
    ),
    "wording": "New breathlessness or chest pain (with a suspected DVT: possible pulmonary embolism).",
    "category": "red-flag",
    "action": "emergency",
    "refer": True,
    "guidance": (
        "Possible pulmonary embolism or cardiac event. Do not treat. Call emergency services "
        "now; record the referral and what you said."
    ),
    "client_advice": (
        "Breathlessness or chest pain that is new can mean a blood clot in the lungs or a heart "
        "problem. Please do not book a massage: call emergency services or go to an emergency "
        "department now."
    ),
}

COPIED = (
    "question", "wording", "category", "action", "requires_clearance", "refer",
    "other_types_action", "escalates_with_emergency", "guidance", "client_advice",
)


def add_versions(apps, schema_editor):
    db = schema_editor.connection.alias
    Item = apps.get_model("treatments", "ContraindicationItem")
    Version = apps.get_model("treatments", "ContraindicationVersion")
    now = timezone.now()
    for code, changes in REWRITES.items():
        item = Item.objects.using(db).filter(code=code).select_related("current_version").first()
        if item is None or item.current_version is None:
            continue  # a clinic that removed the item keeps it removed
        current = item.current_version
        if all(getattr(current, field) == value for field, value in changes.items()):
            continue
        content = {field: getattr(current, field) for field in COPIED} | changes
        number = Version.objects.using(db).filter(item=item).aggregate(n=Max("version"))["n"] + 1
        version = Version.objects.using(db).create(item=item, version=number, created_at=now, **content)
        version.treatment_types.set(current.treatment_types.all())
        version.body_sites.set(current.body_sites.all())
        item.current_version = version
        item.save(update_fields=["current_version"])

    dvt = Item.objects.using(db).filter(code="rf-dvt").first()
    if dvt is not None and not Item.objects.using(db).filter(code=BREATHLESS["code"]).exists():
        content = dict(BREATHLESS)
        # The same sort order as rf-dvt: items sort by order then code, so it follows it.
        item = Item.objects.using(db).create(code=content.pop("code"), sort_order=dvt.sort_order)
        version = Version.objects.using(db).create(item=item, version=1, created_at=now, **content)
        item.current_version = version
        item.save(update_fields=["current_version"])


def remove_versions(apps, schema_editor):
    db = schema_editor.connection.alias
    Item = apps.get_model("treatments", "ContraindicationItem")
    Version = apps.get_model("treatments", "ContraindicationVersion")
    for item in Item.objects.using(db).filter(code__in=REWRITES):
        previous = Version.objects.using(db).filter(item=item).order_by("-version")[1:2].first()
        if previous is not None:
            item.current_version = previous
            item.save(update_fields=["current_version"])
    Item.objects.using(db).filter(code=BREATHLESS["code"]).update(current_version=None)
    Version.objects.using(db).filter(item__code=BREATHLESS["code"]).delete()
    Item.objects.using(db).filter(code=BREATHLESS["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [("treatments", "0004_contraindication_catalogue")]

    operations = [migrations.RunPython(add_versions, remove_versions)]
