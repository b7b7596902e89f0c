"""Implementation of overturned items (8 CCR 9792.10.7): clocks, services, pages, report."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from cases import deadlines
from cases.models import DeliveryChannel, PartyRole
from imrsite.errors import ServiceError
from implementation import selectors, services
from implementation.models import ItemImplementation, LetterReceipt
from tests.factories import UserFactory

from .helpers import decided_case, serve

pytestmark = pytest.mark.django_db
O, S = ItemImplementation.Outcome, ItemImplementation.Service


# --- the clocks -------------------------------------------------------------------------

def test_authorization_is_due_5_working_days_after_receipt_skipping_thanksgiving():
    # Wed Nov 25 2026; Thu 26 and Fri 27 are state holidays, then a weekend.
    assert deadlines.implementation_due(received_on=date(2026, 11, 25), rendered=False) == date(2026, 12, 4)
    # An ordinary week: Monday + 5 working days is the next Monday.
    assert deadlines.implementation_due(received_on=date(2026, 3, 2), rendered=False) == date(2026, 3, 9)


def test_reimbursement_is_due_20_calendar_days_after_receipt():
    assert deadlines.implementation_due(received_on=date(2026, 11, 25), rendered=True) == date(2026, 12, 15)


def test_days_late_counts_from_the_day_after_the_due_date():
    due = date(2026, 12, 4)
    assert deadlines.days_late(due_on=due, done_on=due, today=date(2027, 1, 1)) == 0
    assert deadlines.days_late(due_on=due, done_on=due + timedelta(days=1), today=date(2027, 1, 1)) == 1
    assert deadlines.days_late(due_on=due, done_on=None, today=due + timedelta(days=3)) == 3


def test_receipt_is_presumed_from_the_distribution_with_the_mail_extension(settings):
    settings.IMR_MAIL_SERVICE_EXTENSION_DAYS = 5
    sent = date(2026, 3, 2)
    assert deadlines.letter_receipt_presumed(sent_on=sent, by_mail=True) == date(2026, 3, 7)
    assert deadlines.letter_receipt_presumed(sent_on=sent, by_mail=False) == sent
    assert deadlines.letter_receipt_presumed(sent_on=sent, by_mail=True, delivered_on=date(2026, 3, 4)) == date(2026, 3, 4)


# --- the services -----------------------------------------------------------------------

@pytest.fixture
def decided():
    case, letter = decided_case(("overturned", "upheld", "overturned"))
    items = list(case.items.order_by("position"))
    return case, letter, items


def test_receipt_defaults_from_the_recorded_delivery_to_the_claims_administrator(decided, intake_user):
    case, letter, _ = decided
    with pytest.raises(ServiceError) as exc:
        services.letter_receipt_record(case=case, user=intake_user)
    assert exc.value.code == "no_distribution"
    serve(case, letter, on=case.decided_on, role=PartyRole.EMPLOYEE)  # not the claims administrator's
    with pytest.raises(ServiceError):
        services.letter_receipt_record(case=case, user=intake_user)
    serve(case, letter, on=case.decided_on, channel=DeliveryChannel.EMAIL)
    receipt = services.letter_receipt_record(case=case, user=intake_user)
    assert receipt.received_on == case.decided_on and receipt.source == LetterReceipt.Source.DISTRIBUTION


def test_receipt_cannot_be_in_the_future_or_before_the_decision(decided, intake_user):
    case, _, _ = decided
    with pytest.raises(ServiceError) as exc:
        services.letter_receipt_record(case=case, user=intake_user, received_on=case.decided_on + timedelta(days=1))
    assert exc.value.field == "received_on"
    with pytest.raises(ServiceError) as exc:
        services.letter_receipt_record(case=case, user=intake_user, received_on=case.decided_on - timedelta(days=1))
    assert exc.value.code == "before_decision"


def test_implementing_an_upheld_item_is_refused(decided, intake_user):
    case, _, items = decided
    services.letter_receipt_record(case=case, user=intake_user, received_on=case.decided_on)
    with pytest.raises(ServiceError) as exc:
        services.item_implementation_record(
            case=case, item=items[1], service=S.NOT_RENDERED, outcome=O.AUTHORIZED, on=case.decided_on, user=intake_user
        )
    assert exc.value.code == "upheld" and "upheld" in exc.value.message
    assert not ItemImplementation.objects.exists()


def test_a_case_with_every_item_upheld_has_nothing_to_implement(intake_user):
    case, _ = decided_case(("upheld",))
    with pytest.raises(ServiceError) as exc:
        services.letter_receipt_record(case=case, user=intake_user, received_on=case.decided_on)
    assert exc.value.code == "nothing_overturned"


def test_outcome_must_fit_the_service_and_a_dispute_needs_its_grounds(decided, intake_user):
    case, _, items = decided
    services.letter_receipt_record(case=case, user=intake_user, received_on=case.decided_on)
    for service, outcome, note, code in (
        (S.RENDERED, O.AUTHORIZED, "", "mismatch"),
        (S.NOT_RENDERED, O.REIMBURSED, "", "mismatch"),
        (S.NOT_RENDERED, O.DISPUTED, "  ", "no_note"),
    ):
        with pytest.raises(ServiceError) as exc:
            services.item_implementation_record(
                case=case, item=items[0], service=service, outcome=outcome, on=case.decided_on, note=note, user=intake_user
            )
        assert exc.value.code == code
    services.item_implementation_record(
        case=case, item=items[0], service=S.NOT_RENDERED, outcome=O.DISPUTED, on=case.decided_on,
        note="Disputes that the treating physician is within the MPN", user=intake_user,
    )


def test_late_implementation_shows_its_days_late(decided, intake_user):
    case, _, items = decided
    received = case.decided_on
    services.letter_receipt_record(case=case, user=intake_user, received_on=received)
    authorize_by = deadlines.add_business_days(received, 5)
    later = authorize_by + timedelta(days=3)
    services.item_implementation_record(
        case=case, item=items[0], service=S.NOT_RENDERED, outcome=O.AUTHORIZED, on=later, user=intake_user, today=later
    )
    services.item_implementation_record(
        case=case, item=items[2], service=S.RENDERED, outcome=O.REIMBURSED, on=received + timedelta(days=20), user=intake_user,
        today=later + timedelta(days=30),
    )
    rows = selectors.case_implementation(case, today=later + timedelta(days=30))["items"]
    assert [(r.item.pk, r.days_late) for r in rows] == [(items[0].pk, 3), (items[2].pk, 0)]
    assert rows[0].due_on == authorize_by and rows[1].due_on == received + timedelta(days=20)


def test_a_reviewer_cannot_record_implementation(decided, reviewer_user):
    case, _, _ = decided
    with pytest.raises(ServiceError) as exc:
        services.letter_receipt_record(case=case, user=reviewer_user, received_on=case.decided_on)
    assert exc.value.code == "not_staff"


# --- the pages --------------------------------------------------------------------------

def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_case_page_panel_and_item_form_as_intake(decided, intake_user):
    case, letter, items = decided
    serve(case, letter, on=case.decided_on)
    client = _client(intake_user)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Implementation of overturned items" in html and "Presumed from the recorded distribution" in html
    assert items[1].description not in html.split('id="implementation"')[1]  # upheld: not listed
    response = client.post(reverse("implementation:item", args=[case.number, items[1].pk]), {
        f"item{items[1].pk}-service": S.NOT_RENDERED, f"item{items[1].pk}-outcome": O.AUTHORIZED,
        f"item{items[1].pk}-on": case.decided_on.isoformat(),
    }, follow=True)
    assert "Refused" in response.content.decode() and "was upheld" in response.content.decode()
    client.post(reverse("implementation:receipt", args=[case.number]), {"received_on": case.decided_on.isoformat()})
    response = client.post(reverse("implementation:item", args=[case.number, items[0].pk]), {
        f"item{items[0].pk}-service": S.NOT_RENDERED, f"item{items[0].pk}-outcome": O.AUTHORIZED,
        f"item{items[0].pk}-on": case.decided_on.isoformat(),
    })
    assert response.status_code == 302
    assert ItemImplementation.objects.get(item=items[0]).outcome == O.AUTHORIZED


@pytest.mark.parametrize("name", ["receipt", "item"])
def test_case_actions_are_forbidden_to_a_reviewer_and_send_anonymous_to_login(decided, name, reviewer_user):
    case, _, items = decided
    args = [case.number] + ([items[0].pk] if name == "item" else [])
    url = reverse(f"implementation:{name}", args=args)
    assert _client(reviewer_user).post(url, {}).status_code == 403
    response = _client().post(url, {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not LetterReceipt.objects.exists()


@pytest.mark.parametrize("name", ["report", "report_csv"])
def test_report_is_for_staff(name, intake_user, reviewer_user):
    url = reverse(f"implementation:{name}")
    assert _client(intake_user).get(url).status_code == 200
    assert _client(reviewer_user).get(url).status_code == 403
    assert _client(UserFactory(username="mgr", role="manager")).get(url).status_code == 403
    response = _client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _late_case(intake_user, n):
    case, letter = decided_case(("overturned", "overturned"))
    serve(case, letter, on=case.decided_on, channel=DeliveryChannel.PORTAL)
    item = case.items.order_by("position").first()
    services.letter_receipt_record(case=case, user=intake_user)
    return case, item


def test_report_per_claims_administrator_and_csv(intake_user):
    case, item = _late_case(intake_user, 0)
    received = case.decided_on
    late_on = deadlines.add_business_days(received, 5) + timedelta(days=2)
    services.item_implementation_record(
        case=case, item=item, service=S.NOT_RENDERED, outcome=O.AUTHORIZED, on=late_on, user=intake_user, today=late_on,
    )
    groups = selectors.implementation_report(today=late_on)
    assert len(groups) == 1 and groups[0]["claims_administrator"] == case.claims_administrator
    # The item with nothing recorded counts against the 5 working days too.
    assert groups[0]["late"] == 2 and groups[0]["open"] == 0
    assert [r.row.days_late for r in groups[0]["rows"]] == [2, 2]
    early = selectors.implementation_report(today=received)
    assert early[0]["late"] == 1 and early[0]["open"] == 1
    # The CSV: one row per overturned item; late ones carry their days late.
    response = _client(intake_user).get(reverse("implementation:report_csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r["case_number"] for r in rows] == [case.number, case.number]
    assert rows[0]["outcome"] == "authorized" and rows[0]["done_on"] == late_on.isoformat()
    late_only = _client(intake_user).get(reverse("implementation:report"), {"late": "on"}).content.decode()
    assert case.number in late_only


def test_report_queries_do_not_grow_with_cases(intake_user, django_assert_num_queries):
    _late_case(intake_user, 0)
    with django_assert_num_queries(2):
        groups = selectors.implementation_report()
    assert sum(len(g["rows"]) for g in groups) == 2
    for n in range(1, 4):
        _late_case(intake_user, n)
    with django_assert_num_queries(2):
        groups = selectors.implementation_report()
    assert sum(len(g["rows"]) for g in groups) == 8
    client = _client(intake_user)
    client.get(reverse("implementation:report"))  # warm the session and role caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("implementation:report"))
    for n in range(4, 7):
        _late_case(intake_user, n)
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("implementation:report"))
    assert len(more) == len(few)
