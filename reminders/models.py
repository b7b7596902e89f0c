"""Reminder rules, the per-case next reminder moment, and the log of what was sent.

A rule says what (a clock kind, `reminders.clocks`), when (an offset from the
clock's due moment, optionally repeated), to whom (an audience) and when to
stop. The job (`reminders.services.reminders_run`) reads only the
`ReminderSchedule` rows whose moment has come; `SentReminder` is unique per
rule, event and occurrence, so nothing is ever sent twice.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Unit(models.TextChoices):
    HOURS = "hours", "Hours"
    DAYS = "days", "Calendar days"
    BUSINESS_DAYS = "business_days", "Business days"


class Audience(models.TextChoices):
    REVIEWER = "reviewer", "The assigned reviewer"
    CASE_OWNER = "case_owner", "The intake staff who own the case"
    SUPERVISOR = "supervisor", "Supervisors (administrators)"


class ReviewTypeFilter(models.TextChoices):
    ANY = "any", "Any case"
    STANDARD = "standard", "Standard cases"
    EXPEDITED = "expedited", "Expedited cases"


def validate_clock_kind(value: str) -> None:
    from .clocks import CLOCK_KINDS

    if value not in CLOCK_KINDS:
        raise ValidationError(f"unknown clock kind {value!r}; known: {', '.join(sorted(CLOCK_KINDS))}")


def clock_kind_choices():
    from .clocks import CLOCK_KINDS

    return [(key, kind.label) for key, kind in CLOCK_KINDS.items()]


class ReminderRule(models.Model):
    """One step of a reminder or escalation, edited in Django admin."""

    name = models.CharField(max_length=120, unique=True)
    clock = models.CharField(
        "what", max_length=40, validators=[validate_clock_kind],
        help_text="The clock the rule watches (registered in reminders.clocks).",
    )
    review_type = models.CharField(
        max_length=10, choices=ReviewTypeFilter.choices, default=ReviewTypeFilter.ANY,
        help_text="Expedited cases usually get rules counted in hours.",
    )
    offset = models.IntegerField(
        help_text="When, counted from the clock's due moment: negative is before it, positive after it."
    )
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.BUSINESS_DAYS)
    repeat_every = models.PositiveIntegerField(
        default=0, help_text="Repeat after this many units (same unit as the offset); 0: once."
    )
    max_count = models.PositiveSmallIntegerField(
        "at most", default=1, help_text="Stop after this many reminders for the same event."
    )
    audience = models.CharField("to whom", max_length=20, choices=Audience.choices)
    working_hours_only = models.BooleanField(
        default=True,
        help_text="Hold a reminder that falls at night, on a weekend or a state holiday until the next working hour.",
    )
    is_escalation = models.BooleanField(default=False, help_text="Worded as an escalation rather than a reminder.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clock", "review_type", "offset", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_count__gte=1), name="reminder_rule_max_count_positive"),
            models.CheckConstraint(
                condition=Q(unit__in=["hours", "days", "business_days"]), name="reminder_rule_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["reviewer", "case_owner", "supervisor"]), name="reminder_rule_audience_valid"
            ),
            models.CheckConstraint(
                condition=Q(review_type__in=["any", "standard", "expedited"]), name="reminder_rule_review_type_valid"
            ),
            # A repeating rule needs a limit that lets it repeat.
            models.CheckConstraint(
                condition=Q(repeat_every=0) | Q(max_count__gte=2), name="reminder_rule_repeat_needs_count"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.repeat_every == 0 and self.max_count > 1:
            raise ValidationError({"max_count": "a rule that does not repeat sends one reminder: set “at most” to 1"})
        if self.repeat_every and self.max_count < 2:
            raise ValidationError({"max_count": "a repeating rule needs “at most” of 2 or more"})


class ReminderSchedule(models.Model):
    """The next moment a case's reminders must be looked at (one small row per case).

    Set to now by `reminders_touch` whenever the case's state changes, and
    recomputed by the job; the job reads only rows whose moment has come
    (the `next_at` index), so a million quiet cases cost nothing.
    """

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="reminder_schedule")
    next_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_at"], name="reminder_next_at_idx", condition=Q(next_at__isnull=False)),
        ]

    def __str__(self):
        return f"case {self.case_id}: {self.next_at}"


class SentReminder(models.Model):
    """One step of one rule sent for one event (never twice: the unique constraint)."""

    rule = models.ForeignKey(ReminderRule, on_delete=models.PROTECT, related_name="sent")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="sent_reminders")
    event = models.CharField(max_length=80, help_text="Which instance of the clock (an offer, a due date...).")
    occurrence = models.PositiveSmallIntegerField(default=0, help_text="0 for the first sending, 1 for the first repeat...")
    due_at = models.DateTimeField(help_text="The moment the step fell due (before any working-hours hold).")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "case", "event", "occurrence"], name="sent_reminder_once"),
        ]
        indexes = [models.Index(fields=["case", "rule"], name="sent_reminder_case_idx")]

    def __str__(self):
        return f"{self.rule} · case {self.case_id} · {self.event} #{self.occurrence}"


class ReminderDelivery(models.Model):
    """One sent reminder to one person by one channel."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", "In the app"
        EMAIL = "email", "E-mail (immediately)"
        DIGEST = "digest", "E-mail (daily digest)"

    reminder = models.ForeignKey(SentReminder, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reminder_deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    notification = models.ForeignKey(
        "accounts.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user", "channel"], name="reminder_delivery_once"),
            models.CheckConstraint(condition=Q(channel__in=["in_app", "email", "digest"]), name="reminder_delivery_channel_valid"),
        ]
        indexes = [
            models.Index(
                fields=["channel", "user", "created_at"], name="reminder_email_pending_idx",
                condition=Q(emailed_at__isnull=True) & ~Q(channel="in_app"),
            ),
        ]
        verbose_name_plural = "reminder deliveries"

    def __str__(self):
        return f"{self.reminder} → user {self.user_id} ({self.channel})"
