"""The reminder and escalation rules an IMRO would start from (editable in admin)."""

from django.db import migrations

# name, clock, review type, offset, unit, repeat every, at most, audience, escalation
DEFAULT_RULES = [
    ("Offer unanswered 1 business day: remind the reviewer", "offer_unanswered", "standard", 1, "business_days", 0, 1, "reviewer", False),
    ("Offer unanswered 2 business days: intake to reassign", "offer_unanswered", "standard", 2, "business_days", 0, 1, "case_owner", True),
    ("Expedited offer unanswered 4 hours: remind the reviewer", "offer_unanswered", "expedited", 4, "hours", 0, 1, "reviewer", False),
    ("Expedited offer unanswered 8 hours: intake to reassign", "offer_unanswered", "expedited", 8, "hours", 0, 1, "case_owner", True),
    ("Decision due in 3 days: remind the reviewer", "decision_due", "standard", -3, "days", 0, 1, "reviewer", False),
    ("Decision overdue: escalate to a supervisor daily", "decision_due", "standard", 1, "days", 1, 5, "supervisor", True),
    ("Expedited decision due in 24 hours: remind the reviewer", "decision_due", "expedited", -24, "hours", 0, 1, "reviewer", False),
    ("Expedited decision overdue: escalate to a supervisor every 4 hours", "decision_due", "expedited", 24, "hours", 4, 6, "supervisor", True),
    ("Records overdue: tell intake", "records_due", "any", 1, "days", 0, 1, "case_owner", False),
    ("Notice of assignment not sent in its business day: tell intake", "notice_not_sent", "any", 0, "hours", 0, 1, "case_owner", True),
    ("Letter delivery failed: tell intake", "letter_failed", "any", 0, "hours", 0, 1, "case_owner", False),
]


def load(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    for name, clock, review_type, offset, unit, repeat, at_most, audience, escalation in DEFAULT_RULES:
        # get_or_create: an admin's edits of a default rule are kept when this runs again.
        ReminderRule.objects.get_or_create(name=name, defaults={
            "clock": clock, "review_type": review_type, "offset": offset, "unit": unit, "repeat_every": repeat,
            "max_count": at_most, "audience": audience, "is_escalation": escalation, "working_hours_only": True,
        })


def unload(apps, schema_editor):
    ReminderRule = apps.get_model("reminders", "ReminderRule")
    ReminderRule.objects.filter(name__in=[row[0] for row in DEFAULT_RULES], sent__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
