"""Events other apps act on, sent by the case services inside their transaction.

Receivers run in the same transaction (what they write commits or rolls
back with the event) and must not publish anything before the commit.
The correspondence app listens: eligibility and ineligibility notices,
the notice of conversion to expedited review.
"""

from django.dispatch import Signal

# sender=Case, case=<Case>, outcome=<ScreeningOutcome>: screening recorded a result.
case_screened = Signal()
# sender=Case, case=<Case>: a regular review became expedited (9792.10.4(c)).
case_expedited = Signal()
# sender=Case, case=<Case>, termination=<closures.Termination>: the review ended
# before a decision (authorized, or withdrawn by the employee; 9792.10.6(a)).
case_terminated = Signal()
