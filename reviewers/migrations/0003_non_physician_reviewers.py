"""Non-physician reviewers (issue 11 item 7): licenses say what they license,
and chiropractic, acupuncture and psychology are licensed disciplines whose
holders review care in their own discipline without board certification.

Reference data: the three disciplines' specialties are marked with their
profession and fit their own treatment category (chiropractic and acupuncture
first; psychology after psychiatry, as before); chiropractic no longer fits
physical medicine (a chiropractor reviews chiropractic care only).
Existing licenses take the profession of their reviewer's degree.
"""

import django.core.validators
import reviewers.models
from django.db import migrations, models


DEGREE_PROFESSION = {
    "DC": "chiropractic", "LAc": "acupuncture", "PhD": "psychology", "PsyD": "psychology",
    "DPM": "podiatric medicine", "DDS": "dentistry",
}
# specialty name → (profession, its own treatment category)
DISCIPLINES = {
    "Chiropractic": ("chiropractic", "Chiropractic"),
    "Acupuncture": ("acupuncture", "Acupuncture"),
    "Psychology": ("psychology", "Behavioral/Mental Health"),
}


def forwards(apps, schema_editor):
    License = apps.get_model("reviewers", "License")
    Specialty = apps.get_model("reviewers", "Specialty")
    SpecialtyFit = apps.get_model("reviewers", "SpecialtyFit")
    for degree, profession in DEGREE_PROFESSION.items():
        License.objects.filter(profession="", reviewer__degree=degree).update(profession=profession)
    License.objects.filter(profession="").update(profession="medicine")
    for name, (profession, category) in DISCIPLINES.items():
        specialty, _ = Specialty.objects.get_or_create(name=name)
        specialty.license_profession = profession
        specialty.save(update_fields=["license_profession"])
        fit, created = SpecialtyFit.objects.get_or_create(specialty=specialty, category=category, defaults={"rank": 1})
        if created:
            continue
        # The discipline is the usual reviewer of its own care, unless an operator ranked it otherwise.
        if category != "Behavioral/Mental Health" and fit.rank != 1:
            fit.rank = 1
            fit.save(update_fields=["rank"])
    SpecialtyFit.objects.filter(specialty__name="Chiropractic").exclude(category="Chiropractic").delete()


def backwards(apps, schema_editor):
    Specialty = apps.get_model("reviewers", "Specialty")
    Specialty.objects.update(license_profession="")


class Migration(migrations.Migration):

    dependencies = [
        ('reviewers', '0002_specialties'),
    ]

    operations = [
        migrations.AddField(
            model_name='license',
            name='profession',
            field=models.CharField(blank=True, choices=[('medicine', 'Medicine (physician and surgeon, MD or DO)'), ('chiropractic', 'Chiropractic'), ('acupuncture', 'Acupuncture'), ('psychology', 'Psychology'), ('podiatric medicine', 'Podiatric medicine'), ('dentistry', 'Dentistry')], help_text="What the license lets the holder practice. Blank: the profession of the reviewer's degree.", max_length=30),
        ),
        migrations.AddField(
            model_name='specialty',
            name='license_profession',
            field=models.CharField(blank=True, choices=[('medicine', 'Medicine (physician and surgeon, MD or DO)'), ('chiropractic', 'Chiropractic'), ('acupuncture', 'Acupuncture'), ('psychology', 'Psychology'), ('podiatric medicine', 'Podiatric medicine'), ('dentistry', 'Dentistry')], help_text='For a licensed discipline: reviewers licensed in this profession qualify by license (no board certification).', max_length=30),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='active_practice_since',
            field=models.PositiveSmallIntegerField(help_text='Year active clinical practice began.', validators=[django.core.validators.MinValueValidator(1900), reviewers.models.validate_practice_start]),
        ),
        migrations.AlterField(
            model_name='reviewer',
            name='degree',
            field=models.CharField(choices=[('MD', 'MD'), ('DO', 'DO'), ('DC', 'DC (chiropractor)'), ('LAc', 'LAc (acupuncturist)'), ('PhD', 'PhD (psychologist)'), ('PsyD', 'PsyD (psychologist)'), ('DPM', 'DPM (podiatrist)'), ('DDS', 'DDS (dentist)'), ('other', 'Other')], default='MD', max_length=10),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name='license',
            constraint=models.CheckConstraint(condition=models.Q(('profession__in', ['medicine', 'chiropractic', 'acupuncture', 'psychology', 'podiatric medicine', 'dentistry'])), name='license_profession_valid'),
        ),
        migrations.AddConstraint(
            model_name='specialty',
            constraint=models.UniqueConstraint(condition=models.Q(('license_profession', ''), _negated=True), fields=('license_profession',), name='specialty_one_per_profession'),
        ),
    ]
