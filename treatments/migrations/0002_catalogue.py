"""Ship the clinic's catalogue: six treatment types, twelve body sites, three home-care
sheets. Data is frozen here on purpose: later edits are the manager's, in the admin."""

from decimal import Decimal

from django.db import migrations

SITES = [
    # code, name, region, perfect spot, sensitive region, client note
    ("glute-top", "Top of the gluteal muscles", "buttock", None, "gluteal", ""),
    ("glute-side", "Side of the gluteal muscles (hip)", "hip", None, "", ""),
    ("piriformis", "Piriformis, deep in the buttock", "buttock", None, "gluteal", ""),
    ("glute-med-min", "Gluteus medius and minimus (Perfect Spot 6)", "hip", 6, "gluteal", ""),
    ("glute-max-upper", "Upper gluteus maximus (Perfect Spot 12)", "buttock", 12, "gluteal", ""),
    ("lumbar-paraspinal", "Low back beside the spine (Perfect Spot 13)", "low-back", 13, "", ""),
    ("hamstrings", "Hamstrings, back of the thigh", "thigh", None, "", ""),
    ("heel-behind-ball", "Just behind the ball of the foot", "foot", None, "", "foot"),
    ("heel-inner-edge", "Inside edge of the heel", "foot", None, "", "foot"),
    ("plantar-bottom", "Bottom of the foot (plantar fascia)", "foot", None, "", "foot"),
    ("ball-behind-big-toe", "Just behind the big toe", "foot", None, "", "foot"),
    ("ball-under", "Under the ball of the foot", "foot", None, "", "foot"),
]
FOOT_NOTE = (
    "Foot points are used because therapists and clients report they help; "
    "research has not yet tested them."
)
ALL_SITES = [s[0] for s in SITES]

TYPES = [
    {
        "code": "deep-tissue",
        "name": "Deep tissue massage",
        "summary": "Slow, firm massage that works into deeper muscle and connective tissue.",
        "description": (
            "Your therapist uses slow strokes and sustained, deep pressure to reach the deeper "
            "layers of muscle, tendon and connective tissue. The aim is to ease knots, adhesions "
            "and scar tissue that can restrict movement and press on blood vessels and nerves."
        ),
        "what_to_expect": (
            "Some moments can feel intense, and you may be sore for a day or two afterwards. "
            "Tell your therapist whenever pressure is too much; it is always adjusted to you. "
            "Most people notice change build over several sessions rather than all at once."
        ),
        "buffer": 15,
        "options": [(30, "75.00"), (45, "100.00"), (60, "130.00"), (90, "185.00")],
        "sites": ALL_SITES,
        "sensitive": "",
    },
    {
        "code": "myofascial-release",
        "name": "Myofascial release",
        "summary": "Gentle, sustained pressure and stretching of the tissue around your muscles.",
        "description": (
            "Fascia is the connective tissue that wraps and links your muscles. Your therapist "
            "applies gentle, sustained pressure with hands, fingers or tools and slow stretches, "
            "often focusing on the piriformis muscle deep in the buttock."
        ),
        "what_to_expect": (
            "A calm, gentle session aimed at freer movement and better circulation. It works best "
            "as part of a wider plan with the exercises and stretches your therapist shows you."
        ),
        "buffer": 10,
        "options": [(45, "95.00"), (60, "125.00"), (90, "180.00")],
        "sites": ALL_SITES,
        "sensitive": "",
    },
    {
        "code": "trigger-point",
        "name": "Trigger point therapy",
        "summary": "Short, firm pressure on tender knots that refer pain elsewhere.",
        "description": (
            "Also called neuromuscular massage. Trigger points are small, tight knots in a muscle "
            "that hurt when pressed and can send pain to other places, such as down the leg. Your "
            "therapist finds each tender point, presses firmly for a short time, then releases."
        ),
        "what_to_expect": (
            "Pressing a tender point is uncomfortable by nature, but each press is brief. You "
            "stay in control: say so and the pressure eases at once."
        ),
        "buffer": 10,
        "options": [(30, "70.00"), (45, "95.00"), (60, "125.00")],
        "sites": ALL_SITES,
        "sensitive": "",
    },
    {
        "code": "perfect-spot-6",
        "name": "Perfect Spot 6",
        "summary": "Focused work on the muscles at the side of the hip.",
        "description": (
            "Perfect Spot 6 is where the gluteus medius and minimus overlap on the side of the "
            "hip. Tight points here can send pain down the leg that is often mistaken for sciatica."
        ),
        "what_to_expect": (
            "You lie on your side or face down while your therapist works the side of the hip. "
            "This is gluteal-region work, so we ask for your explicit consent for it first."
        ),
        "buffer": 10,
        "options": [(30, "70.00"), (45, "95.00")],
        "sites": ["glute-med-min", "glute-side"],
        "sensitive": "gluteal",
    },
    {
        "code": "perfect-spot-12",
        "name": "Perfect Spot 12",
        "summary": "Focused work on the upper buttock, just below the low back.",
        "description": (
            "Perfect Spot 12 is in the gluteus maximus, just below the lowest part of the back. "
            "Releasing it often brings noticeable relief to people with sciatica-like pain."
        ),
        "what_to_expect": (
            "You lie face down. This is gluteal-region work: we ask for your explicit consent "
            "before we start, and you can withdraw it at any time."
        ),
        "buffer": 10,
        "options": [(30, "70.00"), (45, "95.00")],
        "sites": ["glute-max-upper", "glute-top"],
        "sensitive": "gluteal",
    },
    {
        "code": "perfect-spot-13",
        "name": "Perfect Spot 13",
        "summary": "Focused work on the low back muscles on both sides of the spine.",
        "description": (
            "Perfect Spot 13 covers the muscles running along both sides of the lower spine, a "
            "common source of low back pain that can accompany sciatica."
        ),
        "what_to_expect": "You lie face down while your therapist works beside your lower spine.",
        "buffer": 10,
        "options": [(30, "70.00"), (45, "95.00")],
        "sites": ["lumbar-paraspinal"],
        "sensitive": "",
    },
]

SHEETS = [
    {
        "code": "ball-buttock-hip",
        "title": "Ball release for the buttock and hip",
        "family": "buttock-hip",
        "tool": "tennis-ball",
        "hold": 30,
        "reps": 3,
        "times": 2,
        "sites": ["glute-top", "glute-side", "piriformis", "glute-med-min", "glute-max-upper"],
        "instructions": (
            "Lie on your back, or lean against a wall, with a tennis ball under one buttock. "
            "Roll slowly until you find a tender spot, then stay on it and let your weight sink "
            "in for the hold time. Shift your weight until the pressure is strong but bearable, "
            "never sharp. Repeat on each tender spot you find.\n\n"
            "Stop and contact your doctor if your symptoms get worse, spread, or you notice "
            "numbness around the groin or changes in bladder or bowel control."
        ),
    },
    {
        "code": "low-back-points",
        "title": "Finding and easing low back points",
        "family": "low-back",
        "tool": "tennis-ball",
        "hold": 20,
        "reps": 2,
        "times": 2,
        "sites": ["lumbar-paraspinal"],
        "instructions": (
            "Lie on your back with your knees bent and feet flat. Place the ball beside (never "
            "on) your spine and search slowly for tender spots. Hold gentle pressure on each one "
            "for the hold time, then move on.\n\n"
            "Stop and contact your doctor if your symptoms get worse, spread, or you notice "
            "numbness around the groin or changes in bladder or bowel control."
        ),
    },
    {
        "code": "ball-foot",
        "title": "Rolling the sole of the foot",
        "family": "foot",
        "tool": "tennis-ball",
        "hold": 30,
        "reps": 3,
        "times": 3,
        "sites": ["heel-behind-ball", "heel-inner-edge", "plantar-bottom", "ball-behind-big-toe", "ball-under"],
        "instructions": (
            "Sit with a ball under one bare foot. Roll slowly from heel to toes, and when you "
            "find a tender spot, hold steady pressure for the hold time. Vary how much weight you "
            "put through the foot until it is comfortable. These foot points come from therapists' "
            "experience rather than research.\n\n"
            "If you have diabetes or reduced feeling in your feet, ask your therapist before "
            "trying this. Stop if it causes pain that lasts."
        ),
    },
]


def load(apps, schema_editor):
    db = schema_editor.connection.alias
    BodySite = apps.get_model("treatments", "BodySite")
    TreatmentType = apps.get_model("treatments", "TreatmentType")
    TreatmentOption = apps.get_model("treatments", "TreatmentOption")
    HomeCareSheet = apps.get_model("treatments", "HomeCareSheet")

    sites = {}
    for order, (code, name, region, spot, sensitive, note) in enumerate(SITES):
        sites[code], _ = BodySite.objects.using(db).update_or_create(
            code=code,
            defaults={
                "name": name,
                "region": region,
                "perfect_spot": spot,
                "sensitive_region": sensitive,
                "client_note": FOOT_NOTE if note == "foot" else "",
                "sort_order": order,
            },
        )
    for order, data in enumerate(TYPES):
        treatment, _ = TreatmentType.objects.using(db).update_or_create(
            code=data["code"],
            defaults={
                "name": data["name"],
                "summary": data["summary"],
                "description": data["description"],
                "what_to_expect": data["what_to_expect"],
                "buffer_minutes": data["buffer"],
                "sensitive_region": data["sensitive"],
                "sort_order": order,
            },
        )
        treatment.body_sites.set([sites[c] for c in data["sites"]])
        for minutes, price in data["options"]:
            TreatmentOption.objects.using(db).update_or_create(
                treatment_type=treatment, duration_minutes=minutes, defaults={"price": Decimal(price)}
            )
    for data in SHEETS:
        sheet, _ = HomeCareSheet.objects.using(db).update_or_create(
            code=data["code"],
            defaults={
                "title": data["title"],
                "site_family": data["family"],
                "tool": data["tool"],
                "hold_seconds": data["hold"],
                "repetitions": data["reps"],
                "times_per_day": data["times"],
                "instructions": data["instructions"],
            },
        )
        sheet.body_sites.set([sites[c] for c in data["sites"]])


def unload(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("treatments", "HomeCareSheet").objects.using(db).filter(
        code__in=[s["code"] for s in SHEETS]
    ).delete()
    apps.get_model("treatments", "TreatmentType").objects.using(db).filter(
        code__in=[t["code"] for t in TYPES]
    ).delete()
    apps.get_model("treatments", "BodySite").objects.using(db).filter(code__in=ALL_SITES).delete()


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
