"""cases/search and cases/searchrfi against the published contract, field by field,
in JSON and in CSV (parsed with the csv module: quoted fields span lines)."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from api import contract
from cases.models import Case
from tests.factories import CaseFactory, DisputedItemFactory, OrganizationFactory, PersonFactory

from .world import BASE

pytestmark = pytest.mark.django_db

SEARCH = BASE + "cases/search"
RFI = BASE + "cases/searchrfi"


def search(client, auth, body=None, *, url=SEARCH, accept="application/json", raw=None):
    data = raw if raw is not None else json.dumps(body or {})
    return client.post(url, data, content_type="application/json", HTTP_ACCEPT=accept, **auth)


def test_json_result_fields_in_the_published_order(client, world, as_a):
    case = world.a.open_case
    response = search(client, as_a, {"IMRID": case.number})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert list(body) == ["matchCount", "start", "limit", "results"]
    assert (body["matchCount"], body["start"], body["limit"]) == (1, 0, 100)
    (result,) = body["results"]
    assert tuple(result) == contract.RESULT_FIELDS
    employee = case.employee
    assert result == {
        "claimNumber": case.claim_number,
        "caseNumber": case.number,
        "dateOfInjury": contract.iso_date(case.date_of_injury),
        "priority": "Standard",
        "injuredWorkerPrefix": "",
        "injuredWorkerFirstName": employee.first_name,
        "injuredWorkerLastName": employee.last_name,
        "injuredWorkerMiddleInitial": "",
        "injuredWorkrSuffix": "",
        "employerName": case.employer.name,
        "treatmentRequested": 'Eight (8) physical therapy visits\nLumbar MRI, "with contrast", urgent',
        "claimsAdministratorAddress1": "500 Main Street",
        "claimsAdministratorCity": "Fresno",
        "claimsAdministratorState": "CA",
        "claimsAdministratorZipCode": "93721",
        "claimsAdministratorCompanyName": "Alpha Claims Services",
        "providerPrefix": "",
        "providerFirtName": "Alan",
        "providerLastName": case.requesting_provider.last_name,
        "providerMidleInitial": "",
        "providerSuffix": "",
        "organizationName": "",
        "status": "3",
        "dateofURDecision": contract.iso_date(case.ur_decision_date),
        "receiveDate": contract.iso_date(case.received_on),
        "modificationDate": contract.iso_timestamp(case.updated_at),
    }
    assert result["dateOfInjury"].endswith(("-0800", "-0700")) and result["dateOfInjury"][:10] == case.date_of_injury.isoformat()
    assert result["modificationDate"].endswith("Z") and len(result["modificationDate"]) == 24


def test_organization_name_is_the_requesting_physician_s_medical_group(client, world, as_a):
    case = world.a.open_case
    case.medical_group = OrganizationFactory(name="Central Valley Medical Group IPA")
    case.save(update_fields=["medical_group"])
    (result,) = search(client, as_a, {"IMRID": case.number}).json()["results"]
    assert result["organizationName"] == "Central Valley Medical Group IPA"
    rows = {row[1]: dict(zip(contract.SEARCH_CSV_COLUMNS, row)) for row in csv.reader(io.StringIO(
        search(client, as_a, {"IMRID": case.number}, accept="text/plain").content.decode()))}
    assert rows[case.number]["organizationName"] == "Central Valley Medical Group IPA"


def test_csv_has_the_published_columns_and_quoted_fields_span_lines(client, world, as_a):
    response = search(client, as_a, {"sort": [{"property": "caseNumber"}]}, accept="text/plain")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2  # no header row: the published sample has none
    assert all(len(row) == len(contract.SEARCH_CSV_COLUMNS) == 29 for row in rows)
    by_number = {row[1]: dict(zip(contract.SEARCH_CSV_COLUMNS, row)) for row in rows}
    open_row = by_number[world.a.open_case.number]
    assert open_row["treatmentRequested"] == 'Eight (8) physical therapy visits\nLumbar MRI, "with contrast", urgent'
    assert text.count("\n") > len(rows)  # a record spans lines
    assert (open_row["claimsAdministratorAddress1"], open_row["claimsAdministratorAddress2"], open_row["claimsAdministratorCity"]) == ("500 Main Street", "Suite 5", "Fresno")
    assert open_row["status"] == "3" and open_row["closedReason"] == ""
    assert open_row["assignDate"] == contract.iso_date(world.a.open_case.assigned_on)
    decided_row = by_number[world.a.decided.number]
    assert (decided_row["status"], decided_row["closedReason"]) == ("5", "Decided")
    json_rows = {r["caseNumber"]: r for r in search(client, as_a).json()["results"]}
    for number, row in by_number.items():
        for column, value in row.items():
            if column in json_rows[number]:
                assert value == json_rows[number][column], column


def test_only_the_accounts_organization_is_searched(client, world, as_a):
    numbers = {r["caseNumber"] for r in search(client, as_a).json()["results"]}
    assert numbers == {world.a.open_case.number, world.a.decided.number}
    assert search(client, as_a, {"IMRID": world.b.open_case.number}).json() == {"matchCount": 0, "start": 0, "limit": 100, "results": []}
    assert search(client, as_a, {"IMRID": world.b.open_case.number}, accept="text/plain").content == b""


def test_status_table(client, world, as_a):
    today = timezone.localdate()
    org = world.a.organization
    made = {
        "1": CaseFactory(claims_administrator=org, status=Case.Status.RECEIVED),
        "2": CaseFactory(claims_administrator=org, status=Case.Status.DEFERRED),
        "6": CaseFactory(claims_administrator=org, status=Case.Status.AWAITING_RECORDS),
        "3": CaseFactory(claims_administrator=org, status=Case.Status.AWAITING_RECORDS, assigned_on=today, records_due_on=today),
        "7": CaseFactory(claims_administrator=org, status=Case.Status.AWAITING_RECORDS, assigned_on=today - timedelta(days=20), records_due_on=today - timedelta(days=1)),
        "4": CaseFactory(claims_administrator=org, status=Case.Status.IN_REVIEW),
        "5": CaseFactory(claims_administrator=org, status=Case.Status.WITHDRAWN),
    }
    made_4b = CaseFactory(claims_administrator=org, status=Case.Status.RECORDS_COMPLETE)
    made_5b = CaseFactory(claims_administrator=org, status=Case.Status.INELIGIBLE, ineligible_reason="untimely")
    statuses = {r["caseNumber"]: r["status"] for r in search(client, as_a).json()["results"]}
    for code, case in made.items():
        assert statuses[case.number] == code, code
    assert statuses[made_4b.number] == "4" and statuses[made_5b.number] == "5"
    for code, case in made.items():
        found = {r["caseNumber"] for r in search(client, as_a, {"statuses": [code]}).json()["results"]}
        assert case.number in found and all(statuses[n] == code for n in found)
    # RFI: the open records requests (3, 6, 7), and a status filter within them.
    rfi = {r["caseNumber"] for r in search(client, as_a, url=RFI).json()["results"]}
    assert rfi == {made["3"].number, made["6"].number, made["7"].number, world.a.open_case.number}
    assert {r["caseNumber"] for r in search(client, as_a, {"statuses": ["7", "1"]}, url=RFI).json()["results"]} == {made["7"].number}
    assert set(contract.STATUSES) == {"1", "2", "3", "4", "5", "6", "7"}


def test_a_status_filter_finds_exactly_the_cases_shown_with_that_status(client, world, as_a):
    """The filter is written on the case's columns (an index serves it), the status shown is
    computed: both follow the one table, first condition wins (a case that fits 6 and 7 is 6)."""
    today = timezone.localdate()
    org = world.a.organization
    awaiting = Case.Status.AWAITING_RECORDS
    for assigned_on, records_due_on in [(None, None), (None, today - timedelta(days=3)), (today, None),
                                        (today, today), (today - timedelta(days=20), today - timedelta(days=1))]:
        CaseFactory(claims_administrator=org, status=awaiting, assigned_on=assigned_on, records_due_on=records_due_on)
    for status in Case.Status.values:
        reason = {"ineligible_reason": "untimely"} if status == Case.Status.INELIGIBLE else {}
        CaseFactory(claims_administrator=org, status=status, **reason)
    shown = {r["caseNumber"]: r["status"] for r in search(client, as_a).json()["results"]}
    for code in contract.STATUSES:
        found = {r["caseNumber"] for r in search(client, as_a, {"statuses": [code]}).json()["results"]}
        assert found == {number for number, status in shown.items() if status == code}, code


def test_paging_limit_and_sort(client, world, as_a, settings):
    org = world.a.organization
    for n in range(5):
        CaseFactory(claims_administrator=org, date_of_injury=date(2020, 1, 1 + n))
    body = search(client, as_a, {"limit": 2, "start": 1, "sort": [{"property": "caseNumber", "desc": True}]}).json()
    everything = sorted((r["caseNumber"] for r in search(client, as_a).json()["results"]), reverse=True)
    assert (body["matchCount"], body["start"], body["limit"]) == (7, 1, 2)
    assert [r["caseNumber"] for r in body["results"]] == everything[2:4]
    settings.API_SEARCH_MAX_LIMIT = 3
    body = search(client, as_a, {"limit": 500}).json()
    assert body["limit"] == 3 and len(body["results"]) == 3  # capped, and the response says so
    for bad in (-1, 0, "ten", None, True):
        assert search(client, as_a, {"limit": bad, "start": bad}).json()["limit"] == 3
    assert search(client, as_a, {"start": 10**12}).json()["results"] == []
    by_injury = [r["dateOfInjury"] for r in search(client, as_a, {"sort": [{"property": "dateOfInjury", "desc": False}], "limit": 3}).json()["results"]]
    assert by_injury == sorted(by_injury)
    # Sort fields from the SDK's list that no result carries are ignored, as are unknown ones.
    assert search(client, as_a, {"sort": [{"property": "closedReason", "desc": True}, {"property": "nope"}]}).status_code == 200


def test_the_published_clients_bodies(client, world, as_a):
    # Java's criterion: empty identifiers and statuses mean "any".
    java = '{\n"start":0,\n"limit":30,\n"sort":[\n{"property": "dateOfInjury","desc": true }],\n"statuses":[\n],\n"CAID": "",\n"IMRID": ""\n}'
    assert search(client, as_a, raw=java).json()["matchCount"] == 2
    # .NET's sends "status"; curl's may come as a form type; Java's RFI search sends no body at all.
    assert search(client, as_a, {"status": ["5"]}).json()["matchCount"] == 1
    response = client.post(SEARCH, json.dumps({"CAID": world.a.open_case.claim_number}), content_type="application/x-www-form-urlencoded", **as_a)
    assert response.json()["matchCount"] == 1
    assert client.post(RFI, "", content_type="application/json", **as_a).json()["matchCount"] == 1
    # Accept lists: Java's default list and */* get JSON; text/plain first gets CSV.
    for accept in ("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", "*/*", "application/xml", ""):
        assert search(client, as_a, accept=accept)["Content-Type"] == "application/json", accept
    assert search(client, as_a, accept="text/plain, application/json")["Content-Type"].startswith("text/plain")
    assert search(client, as_a, accept="application/json, text/plain")["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "raw", ['{"statuses": ["9"]}', '{"statuses": {"a": 1}}', '[1, 2]', '"text"', '{"IMRID": ["x"]}', "{not json", '{"sort": "x"}', '{"sort": [1]}']
)
def test_bad_criteria_are_a_400_in_the_contracts_shape(client, world, as_a, raw):
    response = search(client, as_a, raw=raw, accept="text/plain")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert list(body) == ["status", "msg", "refId"] and body["status"] == 400
    assert response.content.startswith(b'{"status":400,"msg":')


def test_every_search_is_audited_once(client, world, as_a):
    before = AuditEvent.objects.count()
    search(client, as_a, accept="text/plain")
    (event,) = AuditEvent.objects.order_by("id")[before:]
    assert (event.action, event.user, event.detail["via"], event.detail["format"]) == ("case.list", world.a.account.user, "api", "csv")
    assert sorted(event.detail["cases"]) == sorted([world.a.open_case.pk, world.a.decided.pk])


def test_the_search_costs_the_same_queries_for_few_and_many_cases(client, world, as_a, django_assert_num_queries):
    org = world.a.organization
    search(client, as_a)  # warm the content type cache
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert search(client, as_a).status_code == 200
        return len(captured)
    few = count()
    for _ in range(6):
        case = CaseFactory(claims_administrator=org, employee=PersonFactory(), employer=OrganizationFactory())
        DisputedItemFactory(case=case)
    assert count() == few


def test_name_and_address_parsing():
    from cases.models import Party

    assert contract.name_parts(Party(name="Dr. Anna M. Jones, Esq")) == contract.NameParts("Dr.", "Anna", "M", "Jones", "Esq")
    assert contract.name_parts(Party(name="Alan Whitfield, MD")) == contract.NameParts("", "Alan", "", "Whitfield", "MD")
    assert contract.address_parts("P.O. Box 138009, Sacramento, CA 95813-8009") == contract.AddressParts("P.O. Box 138009", "", "Sacramento", "CA", "95813-8009")
    assert contract.address_parts("somewhere unknown") == contract.AddressParts("somewhere unknown")
    assert contract.address_parts("") == contract.AddressParts()


@pytest.mark.parametrize("body", ['{"a":' * 5000 + "1" + "}" * 5000, "[" * 5000 + "]" * 5000])
def test_json_nested_too_deeply_is_a_400_not_a_500(client, world, as_a, body):
    # Found by tests/test_property_api.py: json.loads raised RecursionError, answered 500.
    response = search(client, as_a, raw=body)
    assert response.status_code == 400
    assert response.json()["status"] == 400
