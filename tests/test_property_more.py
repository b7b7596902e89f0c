"""Arbitrary input to the forms added after tests/test_property_forms.py (Hypothesis).

Same pattern: valid POST data with some fields replaced by arbitrary text,
dates, numbers or nothing. The answer is a redirect or a 4xx, never a 500;
after a refusal (a 4xx, or a redirect carrying an error message) every table
is exactly as before. Stored text is shown escaped on another user's page.
"""


import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings, strategies as st

from accounts.models import Role
from appeals.models import Appeal, Ground
from cases.models import DeliveryChannel, PartyRole
from correspondence import services as correspondence_services
from correspondence.models import Delivery
from correspondence.tests.helpers import new_case, screen_eligible
from determinations.tests.correction_helpers import decided
from imrsite.tests.admin_objects import assigned_case, open_case
from implementation.tests.helpers import decided_case, serve
from tests.factories import ReviewerFactory, UserFactory
from tests.dates import last_month, today

from .test_property_forms import FUZZ, overrides, values

pytestmark = pytest.mark.django_db

settings_small = settings(FUZZ, max_examples=10)  # where each success costs a freshly decided or screened case

# Rows that record the attempt itself, not what the form changes.
NOT_FORM_DATA = {"accounts.auditevent", "sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog",
                 "admin.logentry", "django_celery_results.taskresult"}


def snapshot():
    """Every row of every table (the audit trail and sessions aside): a refusal changes none."""
    rows = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in NOT_FORM_DATA or model._meta.proxy or not model._meta.managed:
            continue
        rows[label] = list(model._base_manager.order_by("pk").values())
    return rows


def refused(response):
    if response.status_code != 302:
        return True
    # Only the messages this request added (an unread one from an earlier request may still be stored).
    added = getattr(get_messages(response.wsgi_request), "_queued_messages", [])
    return any(m.level >= message_levels.WARNING for m in added)


OUTCOMES = []


@pytest.fixture(autouse=True)
def _both_outcomes_reached():
    """A fuzzed form must both succeed and refuse at least once: examples that all
    404 (or all pass) would test nothing."""
    OUTCOMES.clear()
    yield
    if OUTCOMES:
        assert set(OUTCOMES) == {True, False}, f"every example was {'refused' if OUTCOMES[0] else 'accepted'}"


def check(client, url, data):
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code < 500
    OUTCOMES.append(refused(response))
    if refused(response):
        assert response.status_code in (302, 400, 403, 404, 405, 409), response.status_code
        after = snapshot()
        changed = [t for t in before if before[t] != after[t]]
        assert not changed, f"a refused POST to {url} wrote to {changed}"
    return response


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def intake(intake_user):
    return login(intake_user)


def screened(capture):
    case = new_case(channels={"employer": DeliveryChannel.FAX})
    with capture(execute=True):
        screen_eligible(case)
    return case




# --- correspondence -------------------------------------------------------------------------

@pytest.fixture
def screened_case(django_capture_on_commit_callbacks):
    return screened(django_capture_on_commit_callbacks)


def test_delivery_retry_and_failed(intake, screened_case):
    delivery = Delivery.objects.filter(case=screened_case).first()

    @FUZZ
    @given(st.sampled_from(["delivery_retry", "delivery_failed"]), overrides({"channel", "next", "reason"}))
    def run(name, changes):
        check(intake, reverse(f"correspondence:{name}", args=[delivery.pk]),
              {"channel": "", "next": "case", "reason": "Returned: moved away.", **changes})

    run()


def test_contact_update(intake, screened_case):
    base = {"fax": "916-555-0100", "address": "1 Oak St", "email": "hr@example.com", "phone": "", "preferred_channel": "fax"}

    @FUZZ
    @given(st.sampled_from(["employer", "employee", "claims_administrator", "nobody"]), overrides(base))
    def run(role, changes):
        check(intake, reverse("correspondence:contact_update", args=[screened_case.number, role]), {**base, **changes})

    run()


def test_information_request_and_answer(intake, intake_user, django_capture_on_commit_callbacks):
    case = new_case()  # eligibility pending: information may be requested
    with django_capture_on_commit_callbacks(execute=True):
        request = correspondence_services.information_request_create(
            case=case, role=PartyRole.EMPLOYEE, question="Please sign page 2.", user=intake_user)

    @FUZZ
    @given(st.booleans(), overrides({"role", "question", "answer", "document"}))
    def run(answer, changes):
        if answer:
            url = reverse("correspondence:information_answer", args=[case.number, request.pk])
        else:
            url = reverse("correspondence:information_request", args=[case.number])
        check(intake, url, {"role": "employer", "question": "Is the form signed?", "answer": "Signed page received.", "document": "",
                           **changes})

    run()


def test_records_complete_on_a_screened_case(intake, django_capture_on_commit_callbacks):
    @settings_small
    @given(overrides({"on"}))
    def run(changes):
        case = screened(django_capture_on_commit_callbacks)
        check(intake, reverse("cases:records_complete", args=[case.number]), {"on": today().isoformat(), **changes})

    run()


def test_reviewer_question(django_capture_on_commit_callbacks):
    from reviewers.services import reviewer_assign

    case = new_case()
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    reviewer = ReviewerFactory()
    reviewer_assign(case=case, reviewer=reviewer, accepted=True, check_capacity=False)
    client = login(reviewer.user)

    @FUZZ
    @given(overrides({"role", "question"}))
    def run(changes):
        check(client, reverse("correspondence:reviewer_question", args=[case.number]),
              {"role": PartyRole.REQUESTING_PROVIDER, "question": "Send the last two PT progress notes.", **changes})

    run()


def test_batch_mailed(intake, intake_user, django_capture_on_commit_callbacks):
    state = {}

    @settings_small
    @given(overrides({"on"}))
    def run(changes):
        if "batch" not in state:
            screened(django_capture_on_commit_callbacks)  # notices to print
            with django_capture_on_commit_callbacks(execute=True):
                state["batch"] = correspondence_services.mail_batch_prepare(user=intake_user)
        response = check(intake, reverse("correspondence:batch_mailed", args=[state["batch"].pk]),
                         {"on": today().isoformat(), **changes})
        if not refused(response):
            state.clear()

    run()


# --- corrections (admin) ----------------------------------------------------------------------

def test_correction_open(admin_user):
    client = login(admin_user)
    state = {}

    @settings_small
    @given(overrides({"reason", "reviewer"}), st.booleans())
    def run(changes, other_reviewer):
        if "final" not in state:
            state["final"] = decided()
            state["reviewer"] = ReviewerFactory()
        final = state["final"]
        base = {"reason": "The rationale cited the wrong pages."}
        if other_reviewer:
            base["reviewer"] = state["reviewer"].pk
        response = check(client, reverse("admin:determinations_determination_correct", args=[final.pk]), {**base, **changes})
        if not refused(response):
            state.clear()  # opened: the next example needs another decided case

    run()


# --- closures ----------------------------------------------------------------------------------

def test_terminate(intake):
    base = {"reason": "authorized", "reported_by_role": "claims_administrator", "reported_by_name": "",
            "reported_on": today().isoformat(), "note": ""}

    @FUZZ
    @given(overrides(base))
    def run(changes):
        case = open_case()
        check(intake, reverse("closures:terminate", args=[case.number]), {**base, **changes})

    run()


def test_consolidate(intake):
    @FUZZ
    @given(overrides({"absorbed", "note"}))
    def run(changes):
        surviving = open_case()
        absorbed = open_case(employee=surviving.employee, requesting_provider=surviving.requesting_provider,
                             received_on=surviving.received_on, date_of_injury=surviving.date_of_injury)
        check(intake, reverse("closures:consolidate", args=[surviving.number]), {"absorbed": absorbed.number, "note": "", **changes})

    run()


def test_additional_reviewer(intake):
    @FUZZ
    @given(overrides({"reviewer", "approved_on", "reference", "reason"}))
    def run(changes):
        case = assigned_case().case
        base = {"reviewer": ReviewerFactory().pk, "approved_on": today().isoformat(), "reference": "AD-9", "reason": "Psychology item."}
        check(intake, reverse("closures:additional_reviewer", args=[case.number]), {**base, **changes})

    run()


# --- billing -----------------------------------------------------------------------------------



def test_invoices_issue(intake):
    from billing.tests.test_billing import terminated_in

    terminated_in(last_month())
    months = st.one_of(values, st.dates().map(lambda d: d.strftime("%Y-%m")))

    @FUZZ
    @given(st.dictionaries(st.just("month"), months, max_size=1))
    def run(changes):
        check(intake, reverse("billing:issue"), {"month": f"{last_month():%Y-%m}", **changes})

    run()


def test_payment(intake, django_capture_on_commit_callbacks):
    from billing import services as billing_services
    from billing.tests.test_billing import terminated_in

    terminated_in(last_month())
    with django_capture_on_commit_callbacks(execute=True):
        invoice = billing_services.invoices_issue(month=last_month()).invoices[0]
    amounts = st.one_of(st.just("1.00"), values, st.decimals(allow_nan=True, allow_infinity=True).map(str))

    @FUZZ
    @given(overrides({"amount", "received_on", "reference"}), amounts)
    def run(changes, amount):
        data = {"amount": amount, "received_on": today().isoformat(), "reference": "Check 1", **changes}
        check(intake, reverse("billing:payment", args=[invoice.pk]), data)

    run()


# --- implementation and appeals ----------------------------------------------------------------

@pytest.fixture
def decided_and_served():
    case, letter = decided_case(("overturned", "upheld"))
    serve(case, letter, on=case.decided_on, role=PartyRole.EMPLOYEE)
    return case


def test_implementation_receipt_and_item(intake, decided_and_served):
    case = decided_and_served
    items = list(case.items.order_by("position"))

    @FUZZ
    @given(st.sampled_from([None, *items]), st.data())
    def run(item, data):
        if item is None:
            base = {"received_on": case.decided_on.isoformat()}
            url = reverse("implementation:receipt", args=[case.number])
        else:
            p = f"item{item.pk}-"
            base = {p + "service": "not_rendered", p + "outcome": "authorized", p + "on": case.decided_on.isoformat(), p + "note": ""}
            url = reverse("implementation:item", args=[case.number, item.pk])
        check(intake, url, {**base, **data.draw(overrides(base))})

    run()


def test_appeal_record_and_decide(intake, decided_and_served):
    case = decided_and_served
    base = {"appeal-petitioner": "employee", "appeal-adj_number": "ADJ7654321", "appeal-filed_on": case.decided_on.isoformat(),
            "appeal-grounds": [Ground.CONFLICT], "appeal-verified": "on"}

    @FUZZ
    @given(st.booleans(), st.data())
    def run(decide, data):
        appeal = Appeal.objects.filter(case=case).first()
        if decide and appeal is not None:
            p = f"outcome{appeal.pk}-"
            outcome = {p + "outcome": "dismissed", p + "outcome_on": today().isoformat(), p + "note": ""}
            check(intake, reverse("appeals:decide", args=[case.number, appeal.pk]), {**outcome, **data.draw(overrides(outcome))})
        else:
            check(intake, reverse("appeals:record", args=[case.number]), {**base, **data.draw(overrides(base))})

    run()


# --- worklists, reminders ----------------------------------------------------------------------

def test_saved_view(intake):
    base = {"page": "cases", "query": "status=awaiting_records", "name": "Late ones", "pinned": "on", "shared_with_role": ""}

    @FUZZ
    @given(overrides(base))
    def run(changes):
        check(intake, reverse("worklists:view_save"), {**base, **changes})

    run()


def test_bulk_actions(intake, intake_user):
    from worklists.tests.conftest import eligible_case

    reviewer = ReviewerFactory()
    cases = [eligible_case().number, eligible_case().number]

    @FUZZ
    @given(overrides({"action", "reviewer", "owner"}), st.lists(st.one_of(st.sampled_from(cases), values), max_size=4))
    def run(changes, numbers):
        data = {"action": "owner", "owner": intake_user.pk, "reviewer": reviewer.pk, "cases": numbers or cases, **changes}
        before = snapshot()
        response = intake.post(reverse("worklists:bulk"), data)
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code == 400:
            assert snapshot() == before

    run()


def test_reminder_settings():
    client = login(UserFactory(role=Role.INTAKE))

    @FUZZ
    @given(overrides({"reminder_email"}))
    def run(changes):
        check(client, reverse("reminders:settings"), {"reminder_email": "immediately", **changes})

    run()


# --- read-only filters: reports and the public decision search ---------------------------------

def test_report_filters(db):
    manager = UserFactory(role=Role.MANAGER)
    client = login(manager)

    @FUZZ
    @given(st.dictionaries(st.sampled_from(["start", "end", "format", "page"]), values, max_size=4))
    def run(params):
        assert client.get(reverse("reports:index"), params).status_code in (200, 400)

    run()


def test_public_decision_search(client):
    keys = ["number", "decided_from", "decided_to", "category", "subcategory", "outcome", "diagnosis", "specialty", "page", "q"]

    @FUZZ
    @given(st.dictionaries(st.sampled_from(keys), values, max_size=6))
    def run(params):
        assert client.get(reverse("decisions:search"), params).status_code in (200, 400)

    run()


# --- stored text never runs as a script on another user's page ----------------------------------

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_stored_markup_is_escaped_on_another_users_page(intake_user, django_capture_on_commit_callbacks):
    case = screened(django_capture_on_commit_callbacks)
    writer = login(intake_user)
    for url, data in [
        (reverse("correspondence:contact_update", args=[case.number, "employer"]),
         {"fax": "916-555-0100", "address": SCRIPT, "email": "", "phone": "", "preferred_channel": "fax"}),
        (reverse("correspondence:information_request", args=[case.number]), {"role": "employee", "question": SCRIPT}),
    ]:
        assert writer.post(url, data).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        terminated = open_case()
        assert writer.post(reverse("closures:terminate", args=[terminated.number]), {
            "reason": "authorized", "reported_by_role": "claims_administrator", "reported_by_name": SCRIPT,
            "reported_on": today().isoformat(), "note": SCRIPT}).status_code == 302
    reader = login(UserFactory(role=Role.INTAKE))
    for page in [case.get_absolute_url(), terminated.get_absolute_url(), reverse("correspondence:list")]:
        html = reader.get(page).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, page
    assert "&lt;script&gt;" in reader.get(case.get_absolute_url()).content.decode()  # it is there, shown as text


def test_a_saved_view_name_is_escaped_for_the_role_it_is_shared_with(intake_user):
    writer = login(intake_user)
    response = writer.post(reverse("worklists:view_save"), {"page": "cases", "query": "", "name": SCRIPT[:80],
                                                           "pinned": "on", "shared_with_role": Role.INTAKE})
    assert response.status_code == 302
    reader = login(UserFactory(role=Role.INTAKE))
    for page in [reverse("worklists:views"), reverse("cases:list"), reverse("home")]:
        response = reader.get(page, follow=True)
        assert "<script>alert" not in response.content.decode(), page

