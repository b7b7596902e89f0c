"""The rows of each list's CSV export (streamed by `imrsite.csvexport.csv_response`).

Rows are read in chunks from a queryset that already carries the person's
visibility and the list's filters. No export names a reviewer.
"""

from __future__ import annotations

from cases.models import Case
from reviewers.models import Assignment

CHUNK = 2000

CASE_HEADER = [
    "case_number", "employee", "claim_number", "review_type", "status", "received_on", "next_deadline",
    "overdue", "records_due_on", "decision_due_on", "decided_on",
]


def case_rows(qs, today):
    """The case list's rows; `qs` is `cases.selectors.case_search` (visible cases, filters, sort)."""
    statuses = dict(Case.Status.choices)
    rows = qs.prefetch_related(None).values_list(
        "number", "employee__name", "claim_number", "review_type", "status", "received_on", "due_on",
        "records_due_on", "decision_due_on", "decided_on",
    )
    for number, employee, claim, review_type, status, received, due, records_due, decision_due, decided in rows.iterator(CHUNK):
        overdue = status in Case.OPEN_STATUSES and due is not None and due < today
        yield [number, employee, claim, review_type, statuses.get(status, status), received, due, overdue,
               records_due, decision_due, decided]


REVIEW_HEADER = ["case_number", "review_type", "diagnosis", "assignment", "case_status", "decision_due_on", "overdue", "decided_on"]


def review_rows(reviewer, condition, today):
    """The reviewer's own assignments (offered, accepted, completed), most urgent first."""
    from cases.visibility import REVIEWER_ACCESS_STATUSES

    qs = Assignment.objects.filter(reviewer=reviewer, status__in=REVIEWER_ACCESS_STATUSES)
    if condition is not None:
        qs = qs.filter(condition)
    states = dict(Assignment.Status.choices)
    statuses = dict(Case.Status.choices)
    rows = qs.order_by("case__decision_due_on", "case__number").values_list(
        "case__number", "case__review_type", "case__diagnosis", "status", "case__status", "case__decision_due_on",
        "case__due_on", "case__decided_on",
    )
    for number, review_type, diagnosis, state, status, decision_due, due, decided in rows.iterator(CHUNK):
        overdue = state in Assignment.OPEN_STATUSES and status in Case.OPEN_STATUSES and due is not None and due < today
        yield [number, review_type, diagnosis, states.get(state, state), statuses.get(status, status), decision_due, overdue, decided]


CORRESPONDENCE_HEADER = ["send_by", "case_number", "document", "recipient_role", "recipient", "channel", "status"]


def correspondence_rows():
    """The correspondence list's deliveries still to go out, as the page lists them."""
    from correspondence import selectors

    for d in selectors.outgoing().iterator(CHUNK):
        yield [d.send_by, d.case.number, d.document_label, d.get_role_display(), d.name, d.get_channel_display(),
               d.get_status_display()]
