"""Reference data: board specialties and which treatment categories each fits.

Operators edit both in admin; this is the starting catalog.
"""

from django.db import migrations

# category → specialties, best fit first (domain.md §3.5, §6.2)
FITS = {
    "Pharmaceuticals": ["Pain Medicine", "Physical Medicine & Rehabilitation", "Occupational Medicine", "Internal Medicine", "Family Medicine", "Anesthesiology"],
    "Physical Medicine": ["Physical Medicine & Rehabilitation", "Occupational Medicine", "Orthopaedic Surgery", "Sports Medicine", "Chiropractic"],
    "Diagnostic Testing": ["Orthopaedic Surgery", "Neurology", "Physical Medicine & Rehabilitation", "Occupational Medicine", "Radiology"],
    "DMEPOS": ["Physical Medicine & Rehabilitation", "Orthopaedic Surgery", "Occupational Medicine"],
    "Injections": ["Pain Medicine", "Anesthesiology", "Physical Medicine & Rehabilitation", "Orthopaedic Surgery"],
    "Surgery": ["Orthopaedic Surgery", "Neurological Surgery", "Hand Surgery", "General Surgery"],
    "Evaluation & Management": ["Occupational Medicine", "Internal Medicine", "Family Medicine", "Physical Medicine & Rehabilitation"],
    "Behavioral/Mental Health": ["Psychiatry", "Psychology"],
    "Programs": ["Physical Medicine & Rehabilitation", "Pain Medicine", "Psychiatry"],
    "Home Health": ["Physical Medicine & Rehabilitation", "Internal Medicine", "Family Medicine"],
    "Acupuncture": ["Acupuncture", "Physical Medicine & Rehabilitation", "Pain Medicine"],
    "Chiropractic": ["Chiropractic", "Physical Medicine & Rehabilitation"],
    "Other": ["Occupational Medicine", "Internal Medicine", "Family Medicine"],
}


def load(apps, schema_editor):
    Specialty = apps.get_model("reviewers", "Specialty")
    SpecialtyFit = apps.get_model("reviewers", "SpecialtyFit")
    for category, names in FITS.items():
        for rank, name in enumerate(names, start=1):
            specialty, _ = Specialty.objects.get_or_create(name=name)
            SpecialtyFit.objects.get_or_create(specialty=specialty, category=category, defaults={"rank": rank})
    for extra in ["Neurology", "Radiology", "Emergency Medicine", "Rheumatology", "Psychology"]:
        Specialty.objects.get_or_create(name=extra)


class Migration(migrations.Migration):
    dependencies = [("reviewers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
