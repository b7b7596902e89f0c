"""events/noarfi: the days with unacknowledged notices of assignment, a day's
manifest as CSV (default and legacy columns), its acknowledgement; the notices
in the document list; uploads entering the records checklist."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AuditEvent
from api import contract
from cases.models import CaseDocument, PartyRole

from .world import BASE, PDF, bearer, login, noarfi_case

pytestmark = pytest.mark.django_db

DATES = BASE + "events/noarfi/"


@pytest.fixture
def notices(world, django_capture_on_commit_callbacks):
    return (
        noarfi_case(world.a.organization, run_on_commit=django_capture_on_commit_callbacks),
        noarfi_case(world.b.organization, run_on_commit=django_capture_on_commit_callbacks),
    )


def test_dates_manifest_and_acknowledgement(client, world, notices, as_a):
    case_a, case_b = notices
    today = timezone.localdate()
    for url in (DATES, DATES.rstrip("/")):  # the SDK's samples call both
        response = client.get(url, **as_a)
        assert response.status_code == 200 and response.json() == {"datelist": [today.isoformat()]}
    response = client.get(DATES + today.isoformat(), HTTP_ACCEPT="text/plain", **as_a)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [name for name, _ in contract.MANIFEST_COLUMNS] and rows[0][3] == "injuredWorkrSuffix"
    assert len(rows) == 2  # B's notice is not in A's manifest
    row = dict(zip(rows[0], rows[1]))
    assert row["caseNumber"] == case_a.number and row["claimNumber"] == case_a.claim_number
    assert row["systemDateIso"] == today.strftime("%m/%d/%Y") and row["participantType"] == "CLAIMS ADMINISTRATOR"
    assert row["dateOfInjury"] == case_a.date_of_injury.strftime("%m/%d/%Y")
    assert row["receiveDate"] == case_a.received_on.strftime("%m/%d/%Y")
    assert row["treatmentRequested"] == "Lumbar MRI,\nwith contrast"  # quoted, spanning lines
    assert row["injuredWorkerLastName"] == case_a.employee.last_name and row["priority"] == "Standard"
    assert row["claimsAdministratorCompanyName"] == world.a.organization.name and row["claimsAdministratorCity"] == "Sacramento"
    legacy = list(csv.reader(io.StringIO(client.get(DATES + today.isoformat() + "?legacy=true", **as_a).content.decode())))
    assert legacy[0][:3] == ["C_PARTICIPANT_CONTACT_F_NAME", "C_PARTICIPANT_CONTACT_L_NAME", "C_PARTICIPANT_CONTACT_SUFFIX"]
    assert legacy[0][-10:] == list(contract.MANIFEST_LEGACY_FILLERS) and all(len(r) == 33 for r in legacy)
    assert legacy[1][:23] == rows[1] and legacy[1][23:] == [""] * 10
    # Acknowledge: the day leaves A's list, not B's.
    response = client.delete(DATES + today.isoformat(), **as_a)
    assert response.status_code == 200 and response.content == b'{"status":200,"msg":"OK"}'
    assert client.get(DATES, **as_a).json() == {"datelist": []}
    assert client.get(DATES + today.isoformat(), **as_a).json()["msg"] == "NO_MATCHING_DATA"
    assert client.delete(DATES + today.isoformat(), **as_a).status_code == 200  # again: nothing changes
    b = bearer(login(client, world.b.username)["access_token"])
    assert client.get(DATES, **b).json() == {"datelist": [today.isoformat()]}
    actions = AuditEvent.objects.filter(user=world.a.account.user, action=AuditEvent.Action.API_MANIFEST)
    assert {e.detail["what"] for e in actions} == {"dates", "manifest", "acknowledge"}


@pytest.mark.parametrize("day, status", [("2001-01-01", 404), ("2026-13-40", 400), ("yesterday", 400)])
def test_days_without_notices_or_malformed(client, world, notices, as_a, day, status):
    response = client.get(DATES + day, **as_a)
    assert response.status_code == status and response.json()["status"] == status
    assert client.delete(DATES + day, **as_a).status_code == status


def test_notices_are_listed_and_downloadable(client, world, notices, as_a):
    case_a, _ = notices
    body = client.get(BASE + f"docs/search/cn/{case_a.number}", **as_a).json()
    (notice,) = [r for r in body["results"] if r["type"] == "NOARFI"]
    assert notice["name"] == "NOARFI"
    response = client.get(BASE + f"docs/download/{notice['renderings'][0]['identifier']}", **as_a)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert len(response.content) == notice["renderings"][0]["size"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NOTICE_DOWNLOAD, user=world.a.account.user, case=case_a).exists()


def test_an_upload_enters_the_records_checklist(client, world, notices, as_a):
    case_a, _ = notices
    before = timezone.now()
    response = client.post(BASE + f"docs/upload/cn/{case_a.number}", {"file": SimpleUploadedFile("PR-2.pdf", PDF, "application/pdf")},
                           HTTP_FILESIZE=str(len(PDF)), **as_a)
    assert response.status_code == 200
    document = CaseDocument.objects.get(case=case_a, title="PR-2")
    # Filed under category (A), the treating physician's reports, when the upload does not say (api.services).
    assert document.received_from == PartyRole.CLAIMS_ADMINISTRATOR and document.records_category == "A"
    assert before <= document.received_at <= timezone.now()
    names = [r["name"] for r in client.get(BASE + f"docs/search/cn/{case_a.number}", **as_a).json()["results"]]
    assert "PR-2" in names
