"""Fees (8 CCR 9792.10.8): rates by date, one line per case, idempotent monthly invoices, payments, aging, pages."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse

from accounts.models import Role
from billing import services
from billing.documents import invoice_document_read
from billing.models import FeeLine, FeeSchedule, Invoice, InvoiceDocument, Payment
from closures.services import termination_record
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import final_determination, open_case
from tests.factories import DisputedItemFactory, OrganizationFactory, UserFactory
from tests.dates import today, last_month

pytestmark = pytest.mark.django_db



@pytest.mark.parametrize(
    ("on", "review_type", "pharmacy_only", "kind", "amount"),
    [
        (date(2019, 12, 31), "standard", False, "completed", "420.00"),
        (date(2020, 1, 1), "standard", False, "completed", "345.00"),
        (date(2019, 12, 31), "expedited", False, "completed", "515.00"),
        (date(2020, 1, 1), "expedited", False, "completed", "345.00"),
        (date(2019, 12, 31), "standard", True, "completed", "390.00"),
        (date(2019, 12, 31), "standard", False, "terminated_before", "160.00"),
        (date(2020, 1, 1), "standard", False, "terminated_before", "115.00"),
        (date(2019, 12, 31), "standard", False, "terminated_after", "420.00"),
        (date(2014, 4, 1), "standard", False, "completed", "420.00"),
    ],
)
def test_the_seeded_rate_in_force_on_the_date(on, review_type, pharmacy_only, kind, amount):
    assert services.fee_rate(on=on, review_type=review_type, pharmacy_only=pharmacy_only, kind=kind).amount == Decimal(amount)


def test_no_rate_before_the_first_schedule():
    with pytest.raises(ServiceError) as exc:
        services.fee_rate(on=date(2014, 3, 31), review_type="standard", pharmacy_only=False, kind="completed")
    assert exc.value.code == "no_rate"


def test_unconfirmed_amounts_are_marked():
    inferred = FeeSchedule.objects.filter(confirmed=False)
    assert inferred.filter(effective_from=date(2020, 1, 1), kind="terminated_after").count() == 4
    assert not FeeSchedule.objects.filter(effective_from=date(2020, 1, 1), kind="terminated_before", confirmed=False).exists()


def test_finalizing_earns_one_line_at_the_decision_dates_rate():
    determination = final_determination()
    case = determination.case
    line = FeeLine.objects.get(case=case)
    assert (line.kind, line.earned_on, line.amount) == ("completed", determination.decided_on, Decimal("345.00"))
    assert line.claims_administrator_id == case.claims_administrator_id
    # Asked again (a redelivered event, a correction): the same line.
    assert services.fee_line_for_decision(case=case, on=date(2019, 12, 31)) == line
    assert FeeLine.objects.filter(case=case).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeLine.objects.create(case=case, claims_administrator=case.claims_administrator, kind="completed",
                               review_type="standard", earned_on=today(), schedule=line.schedule, amount=line.amount)


def test_a_decision_priced_on_its_date_not_today():
    case = open_case()
    line = services.fee_line_for_decision(case=case, on=date(2019, 12, 31))
    assert line.amount == Decimal("420.00")


def test_pharmacy_only_case_gets_the_pharmacy_rate():
    case = open_case()
    case.items.update(category="Pharmaceuticals")
    DisputedItemFactory(case=case, position=9, category="Pharmaceuticals")
    line = services.fee_line_for_decision(case=case, on=date(2019, 12, 31))
    assert line.pharmacy_only and line.amount == Decimal("390.00")


def test_a_schedule_row_edited_later_does_not_reprice_a_line():
    line = services.fee_line_for_decision(case=open_case(), on=date(2020, 2, 1))
    FeeSchedule.objects.filter(pk=line.schedule_id).update(amount=Decimal("999.00"))
    line.refresh_from_db()
    assert line.amount == Decimal("345.00")


# --- invoices ---------------------------------------------------------------------------


def terminated_in(month: date, *, administrator=None, day: int = 3):
    kwargs = {"received_on": month - timedelta(days=5)}
    if administrator is not None:
        kwargs["claims_administrator"] = administrator
    case = open_case(**kwargs)
    termination_record(case=case, reason="authorized", reported_by_role="claims_administrator",
                       reported_on=month + timedelta(days=day - 1))
    return case


def test_invoicing_a_month_twice_yields_the_same_invoices_and_no_duplicate_lines():
    golden, coastal = OrganizationFactory(), OrganizationFactory()
    for _ in range(2):
        terminated_in(last_month(), administrator=golden)
    terminated_in(last_month(), administrator=coastal)
    terminated_in(services.month_start(last_month() - timedelta(days=1)), administrator=golden)  # the month before: not billed
    first = services.invoices_issue(month=last_month())
    assert first.changed == 2 and len(first.invoices) == 2
    invoice = Invoice.objects.get(claims_administrator=golden, month=last_month())
    assert (invoice.line_count, invoice.total) == (2, Decimal("230.00"))
    assert invoice.total == sum(line.amount for line in invoice.lines.all())
    second = services.invoices_issue(month=last_month())
    assert second.changed == 0
    assert sorted(i.pk for i in second.invoices) == sorted(i.pk for i in first.invoices)
    assert Invoice.objects.count() == 2 and FeeLine.objects.filter(invoice__isnull=False).count() == 3
    assert InvoiceDocument.objects.count() == 2  # no new PDF when nothing changed


def test_a_fee_recorded_late_joins_the_months_invoice_as_a_new_revision():
    golden = OrganizationFactory()
    terminated_in(last_month(), administrator=golden)
    (invoice,) = services.invoices_issue(month=last_month()).invoices
    terminated_in(last_month(), administrator=golden, day=5)
    (again,) = services.invoices_issue(month=last_month()).invoices
    assert again.pk == invoice.pk and again.revision == 2 and again.total == Decimal("230.00")
    assert list(again.documents.values_list("revision", flat=True).order_by("revision")) == [1, 2]


def test_the_invoice_pdf_is_rendered_by_the_pipeline(django_capture_on_commit_callbacks):
    terminated_in(last_month())
    with django_capture_on_commit_callbacks(execute=True):
        (invoice,) = services.invoices_issue(month=last_month()).invoices
    document = InvoiceDocument.objects.get(invoice=invoice)  # rendered on commit (eager Celery in tests)
    assert document.status == InvoiceDocument.Status.READY
    assert invoice_document_read(document).startswith(b"%PDF")


def test_a_month_not_yet_ended_is_refused():
    with pytest.raises(ServiceError) as exc:
        services.invoices_issue(month=today())
    assert exc.value.code == "month_not_ended" and exc.value.field == "month"


def test_payments_never_exceed_the_total():
    terminated_in(last_month())
    (invoice,) = services.invoices_issue(month=last_month()).invoices
    services.payment_record(invoice=invoice, amount="100.00", received_on=today())
    with pytest.raises(ServiceError) as exc:
        services.payment_record(invoice=invoice, amount="15.01", received_on=today())
    assert exc.value.code == "overpaid" and "$15.01 is more than the balance of $15.00" in exc.value.message
    for bad in ("0", "-5", "1.005", "abc"):
        with pytest.raises(ServiceError) as exc:
            services.payment_record(invoice=invoice, amount=bad, received_on=today())
        assert exc.value.field == "amount"
    services.payment_record(invoice=invoice, amount="15.00", received_on=today())
    invoice.refresh_from_db()
    assert invoice.is_paid and invoice.paid_total == Decimal("115.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(paid_total=F("total") + 1)


def test_aging_buckets_unpaid_balances_by_days_since_issue():
    ca = OrganizationFactory()
    invoices = []
    for months_back in (1, 2, 3, 4):
        month = services.month_start(today())
        for _ in range(months_back):
            month = services.month_start(month - timedelta(days=1))
        terminated_in(month, administrator=ca)
        invoices += services.invoices_issue(month=month).invoices
    for invoice, age in zip(invoices, (10, 45, 75, 120)):
        Invoice.objects.filter(pk=invoice.pk).update(issued_on=today() - timedelta(days=age))
    services.payment_record(invoice=Invoice.objects.get(pk=invoices[0].pk), amount="15.00", received_on=today())
    rows, totals, total = services.aging(today=today())
    (row,) = rows
    assert row.buckets == [Decimal("100.00"), Decimal("115.00"), Decimal("115.00"), Decimal("115.00")]
    assert total == Decimal("445.00") and totals == row.buckets


# --- pages -----------------------------------------------------------------------------


@pytest.fixture
def invoice(django_capture_on_commit_callbacks):
    terminated_in(last_month())
    with django_capture_on_commit_callbacks(execute=True):  # the PDF renders on commit
        return services.invoices_issue(month=last_month()).invoices[0]


READ_PAGES = ["billing:invoices", "billing:aging", "billing:invoice", "billing:invoice_csv", "billing:invoice_pdf"]


def _url(name, invoice):
    return reverse(name, args=[invoice.pk]) if name.startswith("billing:invoice_") or name == "billing:invoice" else reverse(name)


@pytest.mark.parametrize("name", READ_PAGES)
@pytest.mark.parametrize(("role", "status"), [(Role.INTAKE, 200), (Role.ADMIN, 200), (Role.MANAGER, 200), (Role.REVIEWER, 403)])
def test_read_pages_by_role(client, invoice, name, role, status):
    client.force_login(UserFactory(role=role))
    response = client.get(_url(name, invoice))
    assert response.status_code == status


@pytest.mark.parametrize("name", READ_PAGES)
def test_read_pages_send_anonymous_to_login(client, invoice, name):
    response = client.get(_url(name, invoice))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_invoice_page_and_exports_show_the_services_figures(client, intake_user, invoice):
    client.force_login(intake_user)
    html = client.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    line = invoice.lines.get()
    assert line.case.number in html and "$115.00" in html
    csv_text = b"".join(client.get(reverse("billing:invoice_csv", args=[invoice.pk])).streaming_content).decode("utf-8-sig")
    assert f"{invoice.number}," in csv_text and ",115.00" in csv_text and "Total,,,,,,,,,115.00" in csv_text
    pdf = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_issue_from_the_page_twice_changes_nothing_the_second_time(client, intake_user):
    terminated_in(last_month())
    client.force_login(intake_user)
    for _ in range(2):
        response = client.post(reverse("billing:issue"), {"month": f"{last_month():%Y-%m}"})
        assert response.status_code == 302
    assert Invoice.objects.count() == 1
    response = client.post(reverse("billing:issue"), {"month": f"{today():%Y-%m}"})
    assert response.status_code == 400 and "has not ended yet" in response.content.decode()


@pytest.mark.parametrize(("role", "status"), [(Role.MANAGER, 403), (Role.REVIEWER, 403), (None, 302)])
def test_writes_are_staffs(client, invoice, role, status):
    if role:
        client.force_login(UserFactory(role=role))
    assert client.post(reverse("billing:issue"), {"month": f"{last_month():%Y-%m}"}).status_code == status
    response = client.post(reverse("billing:payment", args=[invoice.pk]), {"amount": "115.00", "received_on": today().isoformat()})
    assert response.status_code == status
    assert not Payment.objects.exists()


def test_payment_from_the_page(client, intake_user, invoice):
    client.force_login(intake_user)
    url = reverse("billing:payment", args=[invoice.pk])
    response = client.post(url, {"amount": "200.00", "received_on": today().isoformat()})
    assert response.status_code == 400 and "is more than the balance" in response.content.decode()
    response = client.post(url, {"amount": "115.00", "received_on": today().isoformat(), "reference": "Check 1"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.is_paid


def _invoices_for(n, month=None):
    month = month or last_month()
    for _ in range(n):
        terminated_in(month)
    services.invoices_issue(month=month)


@pytest.mark.parametrize("name", ["billing:invoices", "billing:aging"])
def test_list_queries_do_not_grow_with_invoices(client, intake_user, django_assert_max_num_queries, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(intake_user)
    _invoices_for(1)
    client.get(reverse(name))  # warm the session and the user's roles
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    _invoices_for(6, month=services.month_start(last_month() - timedelta(days=1)))
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(name)).status_code == 200
    assert len(many) == len(few)
    with django_assert_max_num_queries(15):
        client.get(reverse(name))


def test_invoice_page_queries_do_not_grow_with_lines(client, intake_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(intake_user)
    terminated_in(last_month(), administrator=(ca := OrganizationFactory()))
    (invoice,) = services.invoices_issue(month=last_month()).invoices
    url = reverse("billing:invoice", args=[invoice.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in (4, 5, 6, 7):
        terminated_in(last_month(), administrator=ca, day=day)
    services.invoices_issue(month=last_month())
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
