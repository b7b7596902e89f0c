"""The UR decision's service (date and method), from which the filing window
runs (LC 4610.5(h)(1)), and the "not subject to IMR" ineligibility reason
(LC 4610.5(a)).

Cases on record were not asked how their decision was served: they get the
decision date and mail, the same defaults a case bundle gets."""

from django.db import migrations, models


def served_on_decision_date(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.update(ur_decision_served_on=models.F("ur_decision_date"))


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0006_conflict_parties"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="ur_decision_served_on",
            field=models.DateField(null=True, verbose_name="UR decision served on"),
        ),
        migrations.RunPython(served_on_decision_date, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="case",
            name="ur_decision_served_on",
            field=models.DateField(verbose_name="UR decision served on"),
        ),
        migrations.AddField(
            model_name="case",
            name="ur_decision_service",
            field=models.CharField(
                choices=[("mail", "Mail"), ("electronic", "Electronic (e-mail or fax)"), ("personal", "Personal delivery")],
                default="mail",
                max_length=20,
                verbose_name="UR decision served by",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="ineligible_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("not_subject", "Not subject to IMR"),
                    ("no_signature", "No signature of employee or representative"),
                    ("no_ur_decision", "UR decision not attached"),
                    ("untimely", "Untimely: filed more than 30 days after service of the UR decision"),
                    ("cnc", "UR is a conditional non-certification"),
                    ("duplicate", "Duplicate of another application"),
                    ("liability", "Liability disputed"),
                    ("other", "Other"),
                ],
                max_length=30,
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("ur_decision_served_on__gte", models.F("ur_decision_date"))),
                name="case_ur_served_after_decision",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("ur_decision_served_on__lte", models.F("received_on"))),
                name="case_ur_served_before_application",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(("ur_decision_service__in", ["mail", "electronic", "personal"])),
                name="case_ur_service_valid",
            ),
        ),
    ]
