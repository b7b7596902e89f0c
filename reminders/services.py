"""Reminders and escalation: the one place that decides what is sent.

- `reminders_touch(case)`: a case's state changed (status, offer, answer,
  records, notices, letters): its reminders are looked at on the next run.
  Case and reviewer services call it; nothing else writes the schedule.
- `reminders_run(now)`: the beat job. Reads only the schedule rows whose
  moment has come, sends what is due (one reminder per event and step, the
  latest occurrence only after a missed run), stores the next moment, then
  sends the e-mails owed (immediate ones, and the daily digest once its hour
  has come).
"""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, ReminderEmail, Role
from cases.deadlines import is_business_day
from cases.models import Case

from .clocks import CLOCK_KINDS, Event
from .models import Audience, ReminderDelivery, ReminderRule, ReminderSchedule, ReviewTypeFilter, SentReminder
from .schedule import hold_to_working_hours, step_moment

logger = logging.getLogger(__name__)

User = get_user_model()


# --- the schedule ----------------------------------------------------------------

def reminders_touch(case) -> None:
    """The case changed: look at its reminders on the next run (one upsert)."""
    case_id = getattr(case, "pk", case)
    if case_id is None:
        return
    ReminderSchedule.objects.bulk_create(
        [ReminderSchedule(case_id=case_id, next_at=timezone.now())],
        update_conflicts=True, unique_fields=["case"], update_fields=["next_at"],
    )


def reminders_rebuild(*, now: datetime | None = None) -> int:
    """Every open case is looked at on the next run (after an import, a bulk
    generator or the first deploy); closed cases leave the schedule."""
    now = now or timezone.now()
    with transaction.atomic():
        ReminderSchedule.objects.exclude(case__status__in=Case.OPEN_STATUSES).update(next_at=None)
        ids = Case.objects.filter(status__in=Case.OPEN_STATUSES).values_list("pk", flat=True)
        count = 0
        batch: list[ReminderSchedule] = []
        for case_id in ids.iterator(chunk_size=5000):
            batch.append(ReminderSchedule(case_id=case_id, next_at=now))
            if len(batch) == 5000:
                count += _upsert(batch)
                batch = []
        count += _upsert(batch)
    return count


def _upsert(rows: list[ReminderSchedule]) -> int:
    if rows:
        ReminderSchedule.objects.bulk_create(rows, update_conflicts=True, unique_fields=["case"], update_fields=["next_at"])
    return len(rows)


# --- who receives -----------------------------------------------------------------

class _People:
    """Role members, read once per run and only if a rule needs them."""

    def __init__(self):
        self._roles: dict[str, list] = {}

    def role(self, role: str) -> list:
        if role not in self._roles:
            users = User.objects.filter(is_active=True).filter(
                Q(groups__name=role) | (Q(is_superuser=True) if role == Role.ADMIN else Q(pk__in=[]))
            ).distinct().order_by("pk")
            self._roles[role] = list(users)
        return self._roles[role]

    def for_rule(self, rule: ReminderRule, case: Case, event: Event) -> list:
        if rule.audience == Audience.REVIEWER:
            return [event.reviewer] if event.reviewer is not None and event.reviewer.is_active else []
        if rule.audience == Audience.CASE_OWNER:
            owner = case_owner(case)
            return [owner] if owner is not None else self.role(Role.INTAKE)
        return self.role(Role.ADMIN)


def case_owner(case: Case):
    """The intake staff who own the case: its `owner` when the case has one,
    else who registered it; None (then every intake person) when that
    account is gone or inactive."""
    owner = getattr(case, "owner", None) if hasattr(case, "owner_id") else None
    owner = owner or case.created_by
    return owner if owner is not None and owner.is_active else None


# --- evaluating the rules -----------------------------------------------------------

@dataclass
class _Due:
    rule: ReminderRule
    case: Case
    event: Event
    occurrence: int
    due_at: datetime
    recipients: list


def _rules_by_clock() -> dict[str, list[ReminderRule]]:
    rules: dict[str, list[ReminderRule]] = defaultdict(list)
    for rule in ReminderRule.objects.filter(active=True).order_by("pk"):
        if rule.clock in CLOCK_KINDS:
            rules[rule.clock].append(rule)
    return rules


def _applies(rule: ReminderRule, case: Case) -> bool:
    return rule.review_type == ReviewTypeFilter.ANY or rule.review_type == case.review_type


def _effective(rule: ReminderRule, event: Event, occurrence: int) -> datetime:
    moment = step_moment(rule, event.due_at, occurrence)
    return hold_to_working_hours(moment) if rule.working_hours_only else moment


def _evaluate_step(rule, case, event, last_sent, now, people):
    """(what to send now or None, the next moment this step needs a look or None).

    The latest occurrence whose moment (held to working hours) has come is
    the one sent: after a missed run or a weekend, the occurrences that fell
    due meanwhile make one reminder, not one each.
    """
    if rule.offset < 0 and now >= event.due_at:
        return None, None  # a reminder before the due moment is moot once it has passed
    latest, nxt = None, None
    for occurrence in range(rule.max_count if rule.repeat_every else 1):
        moment = _effective(rule, event, occurrence)
        if moment > now:
            nxt = moment
            break
        latest = occurrence
    if latest is None or (last_sent is not None and last_sent >= latest):
        return None, nxt
    recipients = people.for_rule(rule, case, event)
    if not recipients:
        return None, nxt  # nobody to tell yet (no reviewer): a touch brings the case back
    return _Due(rule, case, event, latest, step_moment(rule, event.due_at, latest), recipients), nxt


def _evaluate_case(case, rules, sent, now, people):
    due: list[_Due] = []
    next_moments: list[datetime] = []
    if case.status in Case.OPEN_STATUSES or case.status == Case.Status.DECIDED:
        for clock_key, clock_rules in rules.items():
            events = None
            for rule in clock_rules:
                if not _applies(rule, case):
                    continue
                if events is None:
                    events = CLOCK_KINDS[clock_key].events(case)
                for event in events:
                    send, nxt = _evaluate_step(rule, case, event, sent.get((rule.pk, case.pk, event.key)), now, people)
                    if send:
                        due.append(send)
                    if nxt:
                        next_moments.append(nxt)
    return due, (min(next_moments) if next_moments else None)


def reminders_evaluate(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Send what is due for the cases whose moment has come; returns reminders sent."""
    now = now or timezone.now()
    batch_size = batch_size or settings.REMINDER_BATCH_SIZE
    rules = _rules_by_clock()
    people = _People()
    prefetch = []
    for clock_key in rules:
        for make in CLOCK_KINDS[clock_key].prefetch:
            if make not in prefetch:
                prefetch.append(make)
    total = 0
    while True:
        with transaction.atomic():
            case_ids = list(
                ReminderSchedule.objects.select_for_update(skip_locked=True)
                .filter(next_at__lte=now).order_by("next_at").values_list("case_id", flat=True)[:batch_size]
            )
            if not case_ids:
                break
            if rules:
                cases = list(
                    Case.objects.filter(pk__in=case_ids).select_related("created_by")
                    .prefetch_related(*[make() for make in prefetch])
                )
                sent = {
                    (row["rule_id"], row["case_id"], row["event"]): row["last"]
                    for row in SentReminder.objects.filter(case_id__in=case_ids)
                    .values("rule_id", "case_id", "event").annotate(last=Max("occurrence"))
                }
            else:
                cases, sent = [], {}
            due: list[_Due] = []
            schedules = {case_id: ReminderSchedule(case_id=case_id, next_at=None) for case_id in case_ids}
            for case in cases:
                case_due, nxt = _evaluate_case(case, rules, sent, now, people)
                due.extend(case_due)
                schedules[case.pk].next_at = nxt
            total += _send(due, now)
            ReminderSchedule.objects.bulk_update(list(schedules.values()), ["next_at"])
        if len(case_ids) < batch_size:
            break
    return total


def _message(item: _Due) -> tuple[str, str]:
    clock = CLOCK_KINDS[item.rule.clock]
    case = item.case
    due = timezone.localtime(item.event.due_at)
    kind = "Escalation" if item.rule.is_escalation else "Reminder"
    text = f"{kind} · {case.number}: " + clock.text.format(due=due)
    if item.rule.audience == Audience.REVIEWER:
        link = reverse("review:case", args=[case.number])
    else:
        link = case.get_absolute_url()
    limit = Notification._meta.get_field("message").max_length
    return (text if len(text) <= limit else text[: limit - 1] + "…"), link


def _send(due: list[_Due], now: datetime) -> int:
    """Write the log, the in-app notifications and the e-mail deliveries (bulk, per batch)."""
    if not due:
        return 0
    logs = SentReminder.objects.bulk_create([
        SentReminder(rule=d.rule, case=d.case, event=d.event.key, occurrence=d.occurrence, due_at=d.due_at, sent_at=now)
        for d in due
    ])
    pairs = []  # (log, user, notification)
    notifications = []
    for log, item in zip(logs, due):
        message, link = _message(item)
        for user in item.recipients:
            note = Notification(recipient=user, message=message, link=link)
            notifications.append(note)
            pairs.append((log, user, note))
    Notification.objects.bulk_create(notifications)
    deliveries = []
    for log, user, note in pairs:
        deliveries.append(ReminderDelivery(
            reminder=log, user=user, channel=ReminderDelivery.Channel.IN_APP, notification=note, created_at=now, emailed_at=None,
        ))
        if user.email:
            channel = (
                ReminderDelivery.Channel.EMAIL if user.reminder_email == ReminderEmail.IMMEDIATELY
                else ReminderDelivery.Channel.DIGEST
            )
            deliveries.append(ReminderDelivery(reminder=log, user=user, channel=channel, created_at=now))
    ReminderDelivery.objects.bulk_create(deliveries)
    logger.info("reminders sent: %s steps, %s in-app notifications", len(logs), len(notifications))
    return len(logs)


# --- e-mail (never PHI: counts by kind and a link to sign in) ----------------------

def digest_moment(now: datetime) -> datetime | None:
    """When today's digest goes out: the digest hour of a business day; None
    on weekends and state holidays (the digest waits for the next business day)."""
    local = timezone.localtime(now)
    if not is_business_day(local.date()):
        return None
    return timezone.make_aware(datetime.combine(local.date(), time(settings.REMINDER_DIGEST_HOUR)))


def reminder_email(*, user, deliveries: list[ReminderDelivery], digest: bool) -> EmailMultiAlternatives:
    """The e-mail for one person: how many reminders of which kind, and where
    to open them. No case number, name or date: e-mail is not a safe place for PHI."""
    counts = Counter()
    escalations = 0
    for delivery in deliveries:
        counts[delivery.reminder.rule.clock] += 1
        escalations += delivery.reminder.rule.is_escalation
    total = sum(counts.values())
    context = {
        "user": user,
        "digest": digest,
        "total": total,
        "escalations": escalations,
        "all_escalations": escalations == total,
        "lines": sorted(
            ((count, CLOCK_KINDS[clock].counted(count) if clock in CLOCK_KINDS else "other reminders")
             for clock, count in counts.items()),
            key=lambda line: (-line[0], line[1]),
        ),
        "open_url": settings.IMR_SITE_URL + reverse("accounts:notifications"),
        "settings_url": settings.IMR_SITE_URL + reverse("reminders:settings"),
    }
    noun = "reminder" if total == 1 else "reminders"
    subject = f"IMR daily digest: {total} {noun}" if digest else f"IMR: {total} new {noun}"
    text = render_to_string("reminders/email.txt", context)
    html = render_to_string("reminders/email.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def reminder_emails_send(*, now: datetime | None = None) -> int:
    """E-mails owed: immediate ones now; the digest once today's digest hour
    has come (reminders made before it). A failed send is retried next run."""
    now = now or timezone.now()
    sent = 0
    cutoff = digest_moment(now)
    digest_due = cutoff is not None and now >= cutoff
    pending = Q(channel=ReminderDelivery.Channel.EMAIL)
    if digest_due:
        pending |= Q(channel=ReminderDelivery.Channel.DIGEST, created_at__lt=cutoff)
    user_ids = list(
        ReminderDelivery.objects.filter(pending, emailed_at__isnull=True).values_list("user_id", flat=True).distinct()
    )
    for user_id in user_ids:
        for digest in (False, True):
            with transaction.atomic():
                channel = ReminderDelivery.Channel.DIGEST if digest else ReminderDelivery.Channel.EMAIL
                rows = ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                    user_id=user_id, channel=channel, emailed_at__isnull=True
                )
                if digest:
                    if not digest_due:
                        continue
                    rows = rows.filter(created_at__lt=cutoff)
                rows = list(rows.select_related("reminder__rule", "user"))
                if not rows:
                    continue
                user = rows[0].user
                if not user.email or not user.is_active:
                    ReminderDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(emailed_at=now)
                    continue
                try:
                    reminder_email(user=user, deliveries=rows, digest=digest).send()
                except Exception:  # noqa: BLE001  the SMTP server refused: the rows wait for the next run
                    logger.warning("reminder e-mail to user %s failed; retried next run", user_id, exc_info=True)
                    continue
                ReminderDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(emailed_at=now)
                sent += 1
    return sent


def reminders_run(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    reminders = reminders_evaluate(now=now)
    emails = reminder_emails_send(now=now)
    return {"reminders": reminders, "emails": emails}


# --- the person's choice -------------------------------------------------------------

def reminder_preference_set(*, user, choice: str) -> None:
    if choice not in ReminderEmail.values:
        from imrsite.errors import ServiceError

        raise ServiceError("choose when reminder e-mails come", field="reminder_email")
    user.reminder_email = choice
    user.save(update_fields=["reminder_email"])

