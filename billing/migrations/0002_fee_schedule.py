"""The published IMR fee schedules (8 CCR 9792.10.8), as dated rows.

Rows the regulation states are marked confirmed; rows inferred from their
neighbours (the 2020 schedule's pharmacy-only and terminated-after-forwarding
rates, which it does not list separately) are `confirmed=False`, shown as
such in admin, and editable there.
"""

from decimal import Decimal

from django.db import migrations

SOURCE_2014 = "8 CCR 9792.10.8 (eff. 2014-04-01)"
SOURCE_2020 = "8 CCR 9792.10.8 (amended, eff. 2020-01-01)"

# (effective_from, review_type, pharmacy_only, kind, amount, source, confirmed)
RATES = []
for review_type, completed in (("standard", "420.00"), ("expedited", "515.00")):
    RATES += [
        ("2014-04-01", review_type, False, "completed", completed, SOURCE_2014, True),
        ("2014-04-01", review_type, False, "terminated_before", "160.00", SOURCE_2014, True),
        ("2014-04-01", review_type, False, "terminated_after", "420.00", SOURCE_2014, True),
    ]
RATES += [
    ("2014-04-01", "standard", True, "completed", "390.00", SOURCE_2014, True),
    # The 2014 schedule names no separate expedited pharmacy-only rate: the expedited rate (inferred).
    ("2014-04-01", "expedited", True, "completed", "515.00", SOURCE_2014 + ": no pharmacy-only expedited rate; expedited rate used", False),
    ("2014-04-01", "standard", True, "terminated_before", "160.00", SOURCE_2014, True),
    ("2014-04-01", "standard", True, "terminated_after", "420.00", SOURCE_2014, True),
    ("2014-04-01", "expedited", True, "terminated_before", "160.00", SOURCE_2014, True),
    ("2014-04-01", "expedited", True, "terminated_after", "420.00", SOURCE_2014, True),
]
for review_type in ("standard", "expedited"):
    for pharmacy_only in (False, True):
        RATES += [
            ("2020-01-01", review_type, pharmacy_only, "completed", "345.00", SOURCE_2020, not pharmacy_only),
            ("2020-01-01", review_type, pharmacy_only, "terminated_before", "115.00", SOURCE_2020, True),
            # The 2020 schedule states no separate rate after forwarding: the full review fee (inferred).
            ("2020-01-01", review_type, pharmacy_only, "terminated_after", "345.00",
             SOURCE_2020 + ": terminated after forwarding billed as a completed review", False),
        ]


def load(apps, schema_editor):
    FeeSchedule = apps.get_model("billing", "FeeSchedule")
    for effective_from, review_type, pharmacy_only, kind, amount, source, confirmed in RATES:
        FeeSchedule.objects.update_or_create(
            effective_from=effective_from, review_type=review_type, pharmacy_only=pharmacy_only, kind=kind,
            defaults={"amount": Decimal(amount), "source": source, "confirmed": confirmed},
        )


def unload(apps, schema_editor):
    apps.get_model("billing", "FeeSchedule").objects.filter(effective_from__in=["2014-04-01", "2020-01-01"]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
