"""Demo invoices (`seed_demo`): last month invoiced, one invoice paid in full, the other not."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import Invoice


def seed_demo_billing(*, users: dict, today=None) -> list[Invoice]:
    today = today or timezone.localdate()
    last_month = services.month_start(today.replace(day=1) - timedelta(days=1))
    run = services.invoices_issue(month=last_month, user=users["admin"], today=today)
    paid = next((i for i in run.invoices if i.claims_administrator.name == "Golden State Claims Services"), None)
    if paid is not None and not paid.payments.exists() and paid.total > 0:
        services.payment_record(invoice=paid, amount=paid.total, received_on=today, reference="Check 104233",
                                user=users["admin"], today=today)
    return run.invoices
