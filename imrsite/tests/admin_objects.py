"""Objects of every admin-registered model, made the way the product makes
them (factories plus the services), and a helper that turns an admin change
page back into the POST data a browser would send.

`BUILDERS` maps a model label to a function that makes `n` rows of it; the
admin tests fail when a registered model has no builder, so a new model
cannot be left out of them.
"""

import itertools
from datetime import timedelta

from django.contrib.auth.models import Group
from django.forms import CheckboxInput, SplitDateTimeWidget
from django.utils import timezone

from accounts.models import Notification, Role
from cases import services as case_services
from cases.models import CaseNumberCounter
from determinations import services as determination_services
from determinations.models import Guideline
from reviewers import services as reviewer_services
from reviewers.models import Affiliation, License, Specialty, SpecialtyFit
from tests.factories import (
    CaseFactory,
    DisputedItemFactory,
    DocumentFactory,
    OrganizationFactory,
    PersonFactory,
    ReviewerFactory,
    UserFactory,
)

_serial = itertools.count(1)


def open_case(**kwargs):
    """A registered case with one Physical Medicine item, eligible and awaiting records."""
    case = CaseFactory(**kwargs)
    DisputedItemFactory(case=case, position=0)
    return case_services.case_mark_eligible(case=case, assigned_on=timezone.localdate() - timedelta(days=5))


def assigned_case(*, reviewer=None, accepted=False):
    case = open_case()
    reviewer = reviewer or ReviewerFactory()
    assignment = reviewer_services.reviewer_assign(case=case, reviewer=reviewer, accepted=accepted)
    return assignment


def draft_determination(*, reviewer=None):
    assignment = assigned_case(reviewer=reviewer, accepted=True)
    case = assignment.case
    DocumentFactory(case=case, sha256="ab" * 32, page_count=4, size=20480, original_filename="pt-notes.pdf")
    # A determination is finalized on complete records (or once their due date has passed).
    case = case_services.case_mark_records_complete(case=case, on=timezone.localdate())
    determination = determination_services.determination_start(case=case, reviewer=assignment.reviewer)
    guideline = Guideline.objects.get(name="MTUS Chronic Pain Medical Treatment Guidelines (2016)")
    return determination_services.determination_save_draft(
        determination=determination,
        clinical_case_summary="The injured worker is a 48-year-old man with chronic low back pain.",
        decisions=[
            determination_services.DecisionData(
                item_id=item.pk,
                decision="upheld",
                guideline=guideline,
                section="Physical Medicine",
                pages="98-99",
                evidence_level="A",
                rationale="The guidelines support 9-10 visits over 8 weeks; the worker has had 24.",
            )
            for item in case.items.all()
        ],
    )


def final_determination(*, reviewer=None):
    determination = draft_determination(reviewer=reviewer)
    return determination_services.determination_finalize(
        determination=determination, user=determination.reviewer.user
    )


def _users(n):
    return [UserFactory(role=Role.INTAKE) for _ in range(n)]


def _groups(n):
    return [Group.objects.create(name=f"Team {next(_serial)}") for _ in range(n)]


def _notifications(n):
    return [Notification.objects.create(recipient=UserFactory(), message=f"Case CM26-{next(_serial):07d} is due") for _ in range(n)]


def _parties(n):
    return [(PersonFactory if i % 2 else OrganizationFactory)() for i in range(n)]


def _cases(n):
    return [assigned_case().case for _ in range(n)]


def _items(n):
    return [DisputedItemFactory() for _ in range(n)]


def _documents(n):
    return [DocumentFactory(sha256=f"{i:064x}", page_count=2, size=1024) for i in range(n)]


def _counters(n):
    return [CaseNumberCounter.objects.create(year=1000 + next(_serial), last=7) for _ in range(n)]


def _specialties(n):
    made = []
    for _ in range(n):
        specialty = Specialty.objects.create(name=f"Specialty {next(_serial)}")
        SpecialtyFit.objects.create(specialty=specialty, category="Other", rank=9)
        made.append(specialty)
    return made


def _fits(n):
    return [SpecialtyFit.objects.get(specialty=s) for s in _specialties(n)]


def _reviewers(n):
    return [ReviewerFactory() for _ in range(n)]


def _licenses(n):
    return [License.objects.get(reviewer=r) for r in _reviewers(n)]


def _certifications(n):
    return [r.certifications.get() for r in _reviewers(n)]


def _affiliations(n):
    return [
        Affiliation.objects.create(reviewer=ReviewerFactory(), party=OrganizationFactory(), kind=Affiliation.Kind.EMPLOYMENT)
        for _ in range(n)
    ]


def _assignments(n):
    return [assigned_case() for _ in range(n)]


def _determinations(n):
    return [final_determination() for _ in range(n)]


def _decisions(n):
    return [final_determination().decisions.get() for _ in range(n)]


def _guidelines(n):
    return [Guideline.objects.create(name=f"Guideline {next(_serial)}", family="OTHER", evidence_level="D") for _ in range(n)]


def _letters(n):
    letters = []
    while len(letters) < n:
        letters += list(final_determination().letters.all())
    return letters[:n]


def _notices(n):
    from correspondence import services as correspondence_services

    return [correspondence_services.noarfi_issue(case=open_case()) for _ in range(n)]


def _deliveries(n):
    deliveries = []
    while len(deliveries) < n:
        deliveries += list(_notices(1)[0].deliveries.all())
    return deliveries[:n]


def _mail_batches(n):
    from correspondence.models import MailBatch

    return [MailBatch.objects.create(batch_date=timezone.localdate(), number=next(_serial)) for _ in range(n)]


def _saved_views(n):
    from worklists import services as worklist_services

    owner = UserFactory(role=Role.INTAKE)
    return [
        worklist_services.saved_view_save(owner=owner, page="cases", name=f"View {next(_serial)}", params={"queue": "overdue"})
        for _ in range(n)
    ]


def _audit_events(n):
    from accounts import audit

    case = CaseFactory()
    return [audit.record(audit.Action.CASE_VIEW, actor=UserFactory(), case=case, obj=case) for _ in range(n)]


def _emergency_accesses(n):
    admin = UserFactory(role=Role.ADMIN)
    return [
        case_services.emergency_access_grant(
            case=CaseFactory(), user=ReviewerFactory().user, granted_by=admin, reason="On-call cover: the assigned reviewer is ill."
        )
        for _ in range(n)
    ]


def _access_attempts(n):
    """Failed sign-ins, recorded by django-axes as the login view's would be."""
    from axes.models import AccessAttempt
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    usernames = [f"nobody{next(_serial)}" for _ in range(n)]
    for username in usernames:
        request = RequestFactory().post("/accounts/login/", {"username": username}, REMOTE_ADDR="192.0.2.10")
        authenticate(request=request, username=username, password="wrong password!")
    return list(AccessAttempt.objects.filter(username__in=usernames))


def _service_accounts(n):
    from api import services as api_services

    return [
        api_services.service_account_create(
            username=f"api-client-{next(_serial)}", organization=OrganizationFactory(), password="a long demo passphrase 7"
        )
        for _ in range(n)
    ]


def _terminations(n):
    from closures.services import termination_record

    return [
        termination_record(case=open_case(), reason="authorized", reported_by_role="claims_administrator",
                           reported_on=timezone.localdate())
        for _ in range(n)
    ]


def _consolidations(n):
    from closures.services import case_consolidate

    made = []
    for _ in range(n):
        surviving = open_case()
        absorbed = open_case(employee=surviving.employee, requesting_provider=surviving.requesting_provider,
                             received_on=surviving.received_on, date_of_injury=surviving.date_of_injury)
        made.append(case_consolidate(absorbed=absorbed, surviving=surviving))
    return made


def _approvals(n):
    return [
        reviewer_services.additional_reviewer_approval_record(
            case=assigned_case().case, approved_on=timezone.localdate(), reference=f"AD-{next(_serial)}",
            reason="Surgery and psychology items need two specialties.",
        )
        for _ in range(n)
    ]


def _fee_schedules(n):
    from billing.models import FeeSchedule

    return [
        FeeSchedule.objects.create(effective_from=timezone.localdate() + timedelta(days=400 + next(_serial)),
                                   review_type="standard", kind="completed", amount="350.00")
        for _ in range(n)
    ]


def _fee_lines(n):
    return [t.case.fee_line for t in _terminations(n)]


def _invoices(n):
    from billing import services as billing_services

    invoices = []
    for _ in range(n):
        # Months within the fee schedule's years, however many objects earlier tests built.
        month = billing_services.month_start(timezone.localdate() - timedelta(days=40 + 31 * (next(_serial) % 60)))
        case = open_case(received_on=month - timedelta(days=5))
        from closures.services import termination_record

        termination_record(case=case, reason="authorized", reported_by_role="claims_administrator", reported_on=month)
        invoices += billing_services.invoices_issue(month=month, claims_administrator=case.claims_administrator).invoices
    return invoices


def _payments(n):
    from billing import services as billing_services

    return [
        billing_services.payment_record(invoice=invoice, amount="10.00", received_on=timezone.localdate())
        for invoice in _invoices(n)
    ]


def _letter_receipts(n):
    from implementation.models import LetterReceipt

    return [LetterReceipt.objects.create(case=CaseFactory(), received_on=timezone.localdate(), source="reported")
            for _ in range(n)]


def _implementations(n):
    from implementation.models import ItemImplementation

    rows = []
    for _ in range(n):
        case = CaseFactory()
        rows.append(ItemImplementation.objects.create(
            case=case, item=DisputedItemFactory(case=case), service="not_rendered", outcome="authorized",
            on=timezone.localdate(),
        ))
    return rows


def _appeal(outcome="pending"):
    from appeals.models import Appeal

    today = timezone.localdate()
    return Appeal.objects.create(
        case=CaseFactory(), decision="determination", petitioner="employee", adj_number=f"ADJ{next(_serial)}",
        filed_on=today, grounds=["fraud"], served_on=today, deadline=today + timedelta(days=30), outcome=outcome,
        outcome_on=None if outcome == "pending" else today,
    )


def _appeals(n):
    return [_appeal() for _ in range(n)]


def _remands(n):
    from appeals.models import Remand

    rows = []
    for _ in range(n):
        appeal = _appeal("reversed")
        rows.append(Remand.objects.create(appeal=appeal, original_case=appeal.case, new_case=CaseFactory()))
    return rows


def _reminder_rules(n):
    from reminders.models import ReminderRule

    return [
        ReminderRule.objects.create(name=f"Rule {next(_serial)}", clock="offer_unanswered", offset=1, audience="reviewer")
        for _ in range(n)
    ]


def _sent_reminders(n):
    from django.utils import timezone

    from reminders.models import SentReminder

    rule = _reminder_rules(1)[0]
    now = timezone.now()
    return [
        SentReminder.objects.create(rule=rule, case=open_case(), event=f"event-{next(_serial)}", due_at=now, sent_at=now)
        for _ in range(n)
    ]


def _reminder_deliveries(n):
    from django.utils import timezone

    from reminders.models import ReminderDelivery

    return [
        ReminderDelivery.objects.create(reminder=sent, user=UserFactory(role=Role.INTAKE), channel="in_app",
                                        created_at=timezone.now())
        for sent in _sent_reminders(n)
    ]


def _reminder_schedules(n):
    from django.utils import timezone

    from reminders.models import ReminderSchedule

    return [ReminderSchedule.objects.update_or_create(case=open_case(), defaults={"next_at": timezone.now()})[0]
            for _ in range(n)]


BUILDERS = {
    "accounts.User": _users,
    "api.ServiceAccount": _service_accounts,
    "accounts.AuditEvent": _audit_events,
    "auth.Group": _groups,
    "accounts.Notification": _notifications,
    "cases.Party": _parties,
    "cases.Case": _cases,
    "cases.DisputedItem": _items,
    "cases.CaseDocument": _documents,
    "cases.CaseNumberCounter": _counters,
    "cases.EmergencyAccess": _emergency_accesses,
    "reviewers.Specialty": _specialties,
    "reviewers.SpecialtyFit": _fits,
    "reviewers.Reviewer": _reviewers,
    "reviewers.License": _licenses,
    "reviewers.BoardCertification": _certifications,
    "reviewers.Affiliation": _affiliations,
    "reviewers.Assignment": _assignments,
    "determinations.Determination": _determinations,
    "determinations.ItemDecision": _decisions,
    "determinations.Guideline": _guidelines,
    "determinations.Letter": _letters,
    "axes.AccessAttempt": _access_attempts,
    "correspondence.Notice": _notices,
    "correspondence.Delivery": _deliveries,
    "correspondence.MailBatch": _mail_batches,
    "closures.Termination": _terminations,
    "closures.Consolidation": _consolidations,
    "reviewers.AdditionalReviewerApproval": _approvals,
    "billing.FeeSchedule": _fee_schedules,
    "billing.FeeLine": _fee_lines,
    "billing.Invoice": _invoices,
    "billing.Payment": _payments,
    "implementation.LetterReceipt": _letter_receipts,
    "implementation.ItemImplementation": _implementations,
    "appeals.Appeal": _appeals,
    "appeals.Remand": _remands,
    "worklists.SavedView": _saved_views,
    "reminders.ReminderRule": _reminder_rules,
    "reminders.SentReminder": _sent_reminders,
    "reminders.ReminderDelivery": _reminder_deliveries,
    "reminders.ReminderSchedule": _reminder_schedules,
}


def form_data(response) -> dict:
    """The POST a browser sends for an admin change page, as it was rendered."""
    data = {}

    def add(form):
        for bound in form:
            widget = bound.field.widget
            value = bound.value()
            if isinstance(widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(widget, SplitDateTimeWidget):
                day, time = widget.decompress(value)
                data[f"{bound.html_name}_0"] = "" if day is None else str(day)
                data[f"{bound.html_name}_1"] = "" if time is None else str(time)
            elif isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = "" if value is None else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data
