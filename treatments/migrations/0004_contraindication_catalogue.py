"""Ship the contraindication and red-flag catalogue (Part 1 of clinical-reference.md).

Every item gets version 1. The rows are frozen here on purpose: later changes are the
manager's, in the admin, and each one makes a new version.

Mapping judgments (recorded so a reviewer can disagree with them):
- "ALL" is stored as no treatment types (= every type, including types added later); an
  explicit list (e.g. the six types for bleeding and anticoagulants) stays that list.
- Sites are set only where the row names a place the body map has: legs -> hamstrings,
  nerve path -> piriformis + hamstrings, foot sites -> the five foot codes. Rows whose place
  depends on the client (wound, fracture, surgery scar, lump) keep no sites: the therapist
  avoids the place the client describes in the answer's detail.
- "clearance if severe / if high-risk" (osteoporosis, pregnancy) is not a fixed clearance:
  the answer cannot tell severity, so the guidance tells the therapist to ask for one.
- ci-diabetes-neuropathy: "foot sites, DT, TPT" is stored as every type on the foot sites.
- ci-recent-surgery: "local + relative" is stored as local (avoid-area) + clearance.
- ci-aneurysm: do-not-treat for myofascial release, avoid-area for every other type.
"""

from django.db import migrations
from django.utils import timezone

DT, MFR, TPT = "deep-tissue", "myofascial-release", "trigger-point"
PS6, PS12, PS13 = "perfect-spot-6", "perfect-spot-12", "perfect-spot-13"
ALL: tuple[str, ...] = ()
SIX = (DT, MFR, TPT, PS6, PS12, PS13)
LEGS = ("hamstrings",)
FOOT = (
    "heel-behind-ball",
    "heel-inner-edge",
    "plantar-bottom",
    "ball-behind-big-toe",
    "ball-under",
)
NERVE_PATH = ("piriformis", "hamstrings")

EMERGENCY_CLOSE = (
    " Please do not book a massage. Go to an emergency department or call emergency "
    "services now, and tell them you have back pain or sciatica as well."
)
URGENT_CLOSE = (
    " Please see a doctor before you book: today if you can, and at the latest within a "
    "few days. We can treat you once a doctor has checked you."
)

# code, category, action, requires_clearance, refer, types, sites, other-types action,
# escalates with emergency, question (client), wording (clinician), guidance, client advice
ROWS = [
    # --- Red flags: ask explicitly, at intake and every visit. ---
    (
        "rf-saddle-numbness",
        "red-flag",
        "emergency",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Do you have new numbness or tingling around your genitals, your bottom or the inside of "
        "your buttocks (for example, when you wipe after the toilet)?",
        "Saddle anaesthesia or paraesthesia (perineal, perianal or inner-buttock numbness or tingling).",
        "Possible cauda equina syndrome. Do not treat. Tell the client to go to an emergency "
        "department now and record the referral and what you said.",
        "Numbness around the genitals or bottom can mean the nerves at the base of the spine "
        "are being squeezed, which needs hospital care within hours." + EMERGENCY_CLOSE,
    ),
    (
        "rf-bladder",
        "red-flag",
        "emergency",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Have you recently had new trouble passing urine or holding it in, or stopped feeling "
        "when your bladder is full?",
        "New bladder disturbance: retention, hesitancy, poor stream, loss of bladder sensation or incontinence.",
        "Possible cauda equina syndrome. Do not treat; emergency referral now; record it.",
        "New bladder problems together with back pain or sciatica can mean the nerves at the "
        "base of the spine are being squeezed." + EMERGENCY_CLOSE,
    ),
    (
        "rf-bowel",
        "red-flag",
        "emergency",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Have you recently lost control of your bowels, or stopped feeling when you need to go?",
        "New bowel disturbance: loss of rectal sensation, faecal incontinence.",
        "Possible cauda equina syndrome. Do not treat; emergency referral now; record it.",
        "Losing control of, or feeling in, your bowels alongside back pain can be a sign of "
        "serious nerve pressure." + EMERGENCY_CLOSE,
    ),
    (
        "rf-sexual",
        "red-flag",
        "emergency",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Have you recently lost feeling in your genitals, or noticed a new change in sexual "
        "function (such as erection or orgasm)?",
        "New sexual dysfunction: loss of genital sensation, erectile or orgasmic change.",
        "Possible cauda equina syndrome. Do not treat; emergency referral now; record it.",
        "A new loss of feeling or function in the genitals with back pain can mean the nerves "
        "at the base of the spine are under pressure." + EMERGENCY_CLOSE,
    ),
    (
        "rf-both-legs",
        "red-flag",
        "emergency",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Do you have sciatica, numbness or weakness in both legs at the same time?",
        "Bilateral sciatica, or bilateral leg numbness or weakness.",
        "Possible cauda equina syndrome. Do not treat; emergency referral now; record it.",
        "Sciatica or numbness in both legs at once is different from ordinary one-sided "
        "sciatica and needs checking in hospital straight away." + EMERGENCY_CLOSE,
    ),
    (
        "rf-progressive-weakness",
        "red-flag",
        "urgent",
        False,
        True,
        ALL,
        (),
        "",
        True,
        "Is your leg getting weaker, is your foot dropping or catching, or are you becoming "
        "unsteady when you walk?",
        "Progressive neurological deficit: worsening leg weakness, foot drop, gait disturbance.",
        "Do not treat; same-day medical contact. If any cauda equina sign is also present this "
        "is an emergency (the screening escalates it). Record the referral.",
        "A leg that is getting weaker, or a foot that drags, needs a doctor's assessment today. "
        "If you also have numbness around your genitals or bottom, or new bladder or bowel "
        "problems, go to an emergency department now instead." + URGENT_CLOSE,
    ),
    (
        "rf-infection",
        "red-flag",
        "urgent",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Have you had a fever, chills or felt generally unwell since your back pain started? "
        "Or do you inject drugs, or take medicine that lowers your immunity?",
        "Fever, chills or systemic illness with new back pain; IV drug use; immunosuppression.",
        "Possible spinal infection. Do not treat; same-day medical contact; record the referral.",
        "Back pain with a fever or chills, or with lowered immunity, can come from an infection "
        "that needs medical treatment." + URGENT_CLOSE,
    ),
    (
        "rf-cancer",
        "red-flag",
        "urgent",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Have you ever had cancer, and is this back pain new since then?",
        "Past or current cancer with new back pain.",
        "Possible spinal metastasis. Do not treat the back or leg; urgent GP or oncology "
        "contact within days; record the referral.",
        "If you have had cancer, new back pain should be checked by your doctor or cancer team "
        "before massage." + URGENT_CLOSE,
    ),
    (
        "rf-weight-night",
        "red-flag",
        "urgent",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Have you lost weight without trying, or do you have constant pain at night that does "
        "not ease whatever position you lie in?",
        "Unexplained weight loss, or constant night pain not eased by change of position.",
        "Possible malignancy or other serious cause. Do not treat; prompt GP referral; record it.",
        "Weight loss you cannot explain, or pain at night that nothing eases, should be looked "
        "at by a doctor before massage." + URGENT_CLOSE,
    ),
    (
        "rf-trauma",
        "red-flag",
        "urgent",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Did your pain start after a bad fall or accident, or after a small knock or fall if "
        "you have thin bones or take steroid tablets long term?",
        "Significant trauma, or minor trauma with osteoporosis or long-term corticosteroids.",
        "Possible vertebral fracture. Do not treat; medical assessment or imaging first; record it.",
        "After a fall or accident, a doctor needs to rule out a broken bone before massage."
        + URGENT_CLOSE,
    ),
    (
        "rf-dvt",
        "red-flag",
        "urgent",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Is one of your calves or legs swollen, warm, red or tender?",
        "Unilateral calf or leg swelling, warmth, redness or tenderness (possible DVT).",
        "Possible deep vein thrombosis. Do not treat; same-day medical assessment. If the client "
        "is breathless or has chest pain, call emergency services. Record the referral.",
        "One swollen, warm or tender leg can be a blood clot, and massage could move it. Please "
        "see a doctor today. If you are short of breath or have chest pain, call emergency "
        "services now." + URGENT_CLOSE,
    ),
    # --- Contraindications and precautions. ---
    (
        "ci-fever",
        "absolute",
        "do-not-treat",
        False,
        False,
        ALL,
        (),
        "",
        False,
        "Do you have a fever, or an infection such as flu, today?",
        "Fever or acute systemic infection.",
        "No treatment today; offer to reschedule once well.",
        "",
    ),
    (
        "ci-contagious-skin",
        "local",
        "avoid-area",
        False,
        False,
        ALL,
        (),
        "",
        False,
        "Do you have a skin condition that can spread to others (for example impetigo, "
        "ringworm or lice)?",
        "Contagious skin condition.",
        "Do not touch the affected area; if it is widespread, reschedule. Note where it is.",
        "",
    ),
    (
        "ci-dvt",
        "absolute",
        "do-not-treat",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Have you been told you have, or might have, a blood clot in a vein (DVT)?",
        "Known or suspected deep vein thrombosis or thrombophlebitis.",
        "No treatment, leg work above all: pressure may dislodge a clot. Refer for medical "
        "assessment and record it.",
        "",
    ),
    (
        "ci-dvt-history",
        "relative",
        "modify",
        False,
        False,
        (DT, TPT),
        LEGS,
        "",
        False,
        "Have you had a blood clot in the past, or been told you are at high risk of one?",
        "History of DVT or high thrombosis risk.",
        "Light pressure on the legs; no deep or sustained pressure on hamstrings or calves. "
        "Record the modification.",
        "",
    ),
    (
        "ci-hypertension-uncontrolled",
        "absolute",
        "clearance",
        False,
        False,
        ALL,
        (),
        "",
        False,
        "Do you have high blood pressure that is not under control?",
        "Uncontrolled or severe hypertension.",
        "Treatment only with written medical clearance; take care when the client gets up.",
        "",
    ),
    (
        "ci-hypertension-controlled",
        "relative",
        "modify",
        False,
        False,
        (DT,),
        (),
        "",
        False,
        "Do you have high blood pressure that is controlled with medicine?",
        "Controlled hypertension.",
        "Avoid very vigorous deep work; let the client rise slowly (postural dizziness).",
        "",
    ),
    (
        "ci-acute-medical",
        "absolute",
        "do-not-treat",
        False,
        False,
        ALL,
        (),
        "",
        False,
        "Have you recently had a stroke or heart attack, have an unstable heart condition, or "
        "had a concussion not yet cleared by a doctor?",
        "Recent stroke or TIA, myocardial infarction, unstable cardiac disease, uncleared concussion.",
        "No treatment; advise medical care.",
        "",
    ),
    (
        "ci-intoxicated",
        "absolute",
        "do-not-treat",
        False,
        False,
        ALL,
        (),
        "",
        False,
        "Have you had alcohol or drugs today that affect how you feel or think?",
        "Under the influence of alcohol or drugs.",
        "No treatment today; reschedule.",
        "",
    ),
    (
        "ci-bleeding",
        "relative",
        "modify",
        True,
        False,
        SIX,
        (),
        "",
        False,
        "Do you have a bleeding disorder (such as haemophilia) or low platelets?",
        "Bleeding disorder or thrombocytopenia.",
        "No forceful or deep pressure, no sustained compression on trigger points or the "
        "perfect spots. Needs written medical clearance before the session.",
        "",
    ),
    (
        "ci-anticoagulant",
        "relative",
        "modify",
        False,
        False,
        SIX,
        (),
        "",
        False,
        "Do you take blood thinners (such as warfarin, apixaban or rivaroxaban) or daily "
        "aspirin or clopidogrel?",
        "Anticoagulant or antiplatelet therapy.",
        "Reduce pressure; no deep tissue or sustained trigger-point compression. Watch for "
        "bruising. Clearance is advisable.",
        "",
    ),
    (
        "ci-fracture",
        "local",
        "avoid-area",
        False,
        False,
        ALL,
        (),
        "",
        False,
        "Do you have a broken bone that is recent or still healing?",
        "Recent or healing fracture.",
        "Avoid the fracture site; light work around it only.",
        "",
    ),
    (
        "ci-osteoporosis",
        "relative",
        "modify",
        False,
        False,
        (DT, TPT, MFR, PS13),
        (),
        "",
        False,
        "Do you have osteoporosis (thin bones), or bones weakened by cancer?",
        "Osteoporosis, or bone weakened by malignancy.",
        "Gentle pressure over spine, ribs and hips; bolster the prone position; no forceful "
        "mobilisation. If severe or bone involvement is known, ask for medical clearance.",
        "",
    ),
    (
        "ci-recent-surgery",
        "local",
        "avoid-area",
        True,
        False,
        ALL,
        (),
        "",
        False,
        "Have you had an operation in the last six weeks?",
        "Surgery within the last 6 weeks.",
        "Avoid the surgical site; no deep pressure near it. Needs written clearance from the "
        "surgeon or doctor.",
        "",
    ),
    (
        "ci-hip-replacement",
        "relative",
        "modify",
        False,
        False,
        (PS6, MFR, PS12),
        (),
        "",
        False,
        "Do you have a hip replacement?",
        "Hip arthroplasty.",
        "Follow the surgeon's movement limits (classically after a posterior approach: no hip "
        "flexion past 90 degrees, no adduction past midline, no internal rotation). Take care "
        "with side-lying and prone set-ups and hip stretches.",
        "",
    ),
    (
        "ci-wound",
        "local",
        "avoid-area",
        False,
        False,
        ALL,
        (),
        "",
        False,
        "Do you have an open or healing wound, burn, rash or skin infection anywhere?",
        "Open or healing wound, burn, rash or local skin infection.",
        "Avoid the area; no lubricant or friction on it.",
        "",
    ),
    (
        "ci-acute-injury",
        "local",
        "avoid-area",
        False,
        False,
        (DT, TPT),
        (),
        "",
        False,
        "Have you recently strained, sprained or bruised a muscle, or do you have a swollen, "
        "inflamed spot (for example on the side of your hip)?",
        "Acute strain, sprain, contusion or local inflammation (e.g. trochanteric bursitis).",
        "No direct deep or trigger-point work on the site; gentle work around it.",
        "",
    ),
    (
        "ci-inflammatory-flare",
        "local",
        "avoid-area",
        False,
        False,
        (DT, MFR, PS13),
        (),
        "",
        False,
        "Do you have inflammatory arthritis (such as rheumatoid arthritis or ankylosing "
        "spondylitis) that is flaring up now?",
        "Inflammatory arthritis in flare.",
        "Avoid inflamed areas during the flare; ankylosing spondylitis often involves the low back.",
        "",
    ),
    (
        "ci-varicose",
        "local",
        "avoid-area",
        False,
        False,
        (DT, TPT),
        LEGS,
        "",
        False,
        "Do you have varicose veins in your legs?",
        "Varicose veins.",
        "No direct pressure on the veins; light work around them.",
        "",
    ),
    (
        "ci-cancer",
        "relative",
        "modify",
        True,
        False,
        (DT, TPT, MFR),
        (),
        "",
        False,
        "Do you have cancer now, or have you been treated for cancer?",
        "Malignancy, active or treated.",
        "No deep or intense pressure over a tumour, radiation field or port. Use the pressure "
        "scale. Needs clearance from the oncologist or doctor.",
        "",
    ),
    (
        "ci-lymphoedema",
        "relative",
        "modify",
        False,
        False,
        (DT,),
        (),
        "",
        False,
        "Do you have lymphoedema (swelling from the lymph system), or have you had lymph "
        "nodes removed?",
        "Lymphoedema or lymph-node removal.",
        "Pressure restriction on the affected limb or quadrant, for life.",
        "",
    ),
    (
        "ci-undiagnosed-lump",
        "local",
        "avoid-area",
        False,
        True,
        ALL,
        (),
        "",
        False,
        "Do you have a lump, swelling or pain that no doctor has explained yet?",
        "Undiagnosed lump or swelling, or pain of unknown cause.",
        "Avoid the lump; advise the client to see a doctor. Massage must not delay a diagnosis.",
        "",
    ),
    (
        "ci-pregnancy",
        "relative",
        "modify",
        False,
        False,
        (PS12, PS13, DT, TPT),
        (),
        "",
        False,
        "Are you pregnant?",
        "Pregnancy.",
        "Side-lying instead of prone for perfect spots 12 and 13; no deep or trigger-point work "
        "on the inner thigh or calf. If the pregnancy is high-risk, ask for medical clearance.",
        "",
    ),
    (
        "ci-diabetes-neuropathy",
        "relative",
        "modify",
        False,
        False,
        ALL,
        FOOT,
        "",
        False,
        "Do you have diabetes with numb feet, nerve damage or fragile skin?",
        "Diabetes with peripheral neuropathy or fragile skin.",
        "Light pressure, check in often and inspect the skin, especially on the feet; deep and "
        "trigger-point work relies on feedback the client may not have.",
        "",
    ),
    (
        "ci-feedback-meds",
        "relative",
        "modify",
        False,
        False,
        (DT, TPT),
        (),
        "",
        False,
        "Have you taken painkillers or muscle relaxants today?",
        "Analgesics or muscle relaxants taken the same day.",
        "Lighter pressure and check in often: the client may not feel tissue strain.",
        "",
    ),
    (
        "ci-steroids",
        "relative",
        "modify",
        False,
        False,
        (DT, MFR),
        (),
        "",
        False,
        "Do you take steroid tablets (such as prednisolone) long term?",
        "Long-term corticosteroid therapy.",
        "Reduced pressure and no friction: connective tissue and bone may be weaker.",
        "",
    ),
    (
        "ci-nerve-irritation",
        "local",
        "avoid-area",
        False,
        False,
        (DT, TPT, MFR),
        NERVE_PATH,
        "",
        False,
        "Does pressing on your buttock or the back of your thigh send shooting, electric or "
        "numb feelings down your leg?",
        "Pressure reproduces radicular (shooting, electric or numb) leg symptoms.",
        "Stop any compression that reproduces the symptoms; avoid the nerve path (mid-buttock, "
        "back of thigh) and record it.",
        "",
    ),
    (
        "ci-aneurysm",
        "absolute",
        "do-not-treat",
        False,
        False,
        (MFR,),
        (),
        "avoid-area",
        False,
        "Have you been told you have an aneurysm (a bulge in a blood vessel)?",
        "Known aneurysm.",
        "No myofascial release. For other treatments, avoid the area of the aneurysm "
        "(including any abdominal work).",
        "",
    ),
    (
        "ci-lubricant-allergy",
        "relative",
        "modify",
        False,
        False,
        ALL,
        (),
        "",
        False,
        "Are you allergic to any oils, nuts, latex or fragrances?",
        "Allergy to oils, nuts, latex or fragrance.",
        "Change the product (unscented, nut-free, latex-free gloves).",
        "",
    ),
]


def load(apps, schema_editor):
    db = schema_editor.connection.alias
    Item = apps.get_model("treatments", "ContraindicationItem")
    Version = apps.get_model("treatments", "ContraindicationVersion")
    TreatmentType = apps.get_model("treatments", "TreatmentType")
    BodySite = apps.get_model("treatments", "BodySite")
    types = {t.code: t for t in TreatmentType.objects.using(db).all()}
    sites = {s.code: s for s in BodySite.objects.using(db).all()}
    now = timezone.now()
    for order, row in enumerate(ROWS):
        (
            code,
            category,
            action,
            clearance,
            refer,
            type_codes,
            site_codes,
            other_action,
            escalates,
            question,
            wording,
            guidance,
            advice,
        ) = row
        item, _ = Item.objects.using(db).get_or_create(code=code, defaults={"sort_order": order})
        if item.current_version_id:
            continue
        version = Version.objects.using(db).create(
            item=item,
            version=1,
            question=question,
            wording=wording,
            category=category,
            action=action,
            requires_clearance=clearance,
            refer=refer,
            other_types_action=other_action,
            escalates_with_emergency=escalates,
            guidance=guidance,
            client_advice=advice,
            created_at=now,
        )
        version.treatment_types.set([types[c] for c in type_codes if c in types])
        version.body_sites.set([sites[c] for c in site_codes if c in sites])
        item.current_version = version
        item.save(update_fields=["current_version"])


def unload(apps, schema_editor):
    db = schema_editor.connection.alias
    Item = apps.get_model("treatments", "ContraindicationItem")
    Version = apps.get_model("treatments", "ContraindicationVersion")
    codes = [row[0] for row in ROWS]
    Item.objects.using(db).filter(code__in=codes).update(current_version=None)
    Version.objects.using(db).filter(item__code__in=codes).delete()
    Item.objects.using(db).filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("treatments", "0003_clinical_safety")]

    operations = [migrations.RunPython(load, unload)]
