"""Reference data: the guideline catalog reviewers cite (domain.md §5.3)."""

from django.db import migrations

CATALOG = [
    ("MTUS Chronic Pain Treatment Guidelines", "CHRONIC_PAIN", "A"),
    ("MTUS Chronic Pain Medical Treatment Guidelines (2016)", "CHRONIC_PAIN", "A"),
    ("MTUS ACOEM Practice Guidelines", "ACOEM", "A"),
    ("MTUS ACOEM Occupational Medicine Practice Guidelines, 2nd Edition (2004)", "ACOEM", "A"),
    ("MTUS Postsurgical Treatment Guidelines", "POSTSURGICAL", "A"),
    ("MTUS Acupuncture Medical Treatment Guidelines", "ACUPUNCTURE", "A"),
    ("MTUS Opioids Treatment Guidelines", "OPIOIDS", "A"),
    ("MTUS Drug Formulary", "FORMULARY", "A"),
    ("Official Disability Guidelines (ODG)", "ODG", "C"),
    ("Peer-reviewed medical literature", "OTHER", "B"),
    ("Nationally recognized professional standards", "OTHER", "C"),
    ("Expert opinion", "OTHER", "D"),
    ("Generally accepted standards of medical practice", "OTHER", "E"),
]


def load(apps, schema_editor):
    Guideline = apps.get_model("determinations", "Guideline")
    for name, family, level in CATALOG:
        Guideline.objects.get_or_create(name=name, defaults={"family": family, "evidence_level": level})


class Migration(migrations.Migration):
    dependencies = [("determinations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
