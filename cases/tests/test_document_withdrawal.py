"""Issue 19 items 5 (part) and 6: the case record's documents.

6. A misfiled document is withdrawn by intake or an admin with a reason: gone
   from the reviewer's file, downloads and future letters, kept in storage,
   audited. Downloads are saved under a name ending in ".pdf".
5. A decided or ineligible case takes no uploads, whoever calls; the page
   says where later papers go.
"""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from cases import services
from cases.models import Case, CaseDocument
from determinations import rendering
from determinations.models import Letter
from determinations.services import finalize_problems
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import draft_determination
from tests.factories import CaseFactory, DisputedItemFactory, UserFactory
from tests.phi_world import stored_document

from .helpers import pdf_bytes, upload

pytestmark = pytest.mark.django_db

REASON = "Another patient's records (R. Ortiz), filed here by mistake."


@pytest.fixture
def world(intake_user):
    determination = draft_determination()
    case = determination.case
    misfiled = stored_document(case, name="ortiz-mri.pdf")
    misfiled.title = "MRI lumbar spine"
    misfiled.save()
    return {"case": case, "determination": determination, "misfiled": misfiled, "reviewer": determination.reviewer.user}


def test_withdrawn_document_leaves_the_case_record_but_not_storage(world, intake_user, client):
    case, misfiled, reviewer = world["case"], world["misfiled"], world["reviewer"]
    stored_name = misfiled.file.name
    services.document_withdraw(document=misfiled, user=intake_user, reason=REASON)

    # The reviewer's file and the download are gone for the reviewer.
    client.force_login(reviewer)
    page = client.get(reverse("review:case", args=[case.number])).content.decode()
    assert "MRI lumbar spine" not in page
    assert client.get(reverse("cases:document_download", args=[case.number, misfiled.pk])).status_code == 404
    # Future letters do not list it.
    context = rendering.letter_context(
        determination=rendering.load_determination(world["determination"].pk), variant=Letter.Variant.PARTIES
    )
    assert "MRI lumbar spine" not in [d["title"] for d in context["documents"]]
    assert len(context["documents"]) == 1
    # The file and the row stay, for the audit trail.
    assert CaseDocument.all_objects.get(pk=misfiled.pk).withdrawal_reason == REASON
    assert misfiled.file.storage.exists(stored_name)
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOCUMENT_WITHDRAW)
    assert (event.user, event.case_id, event.object_id) == (intake_user, case.pk, str(misfiled.pk))
    assert "Ortiz" not in str(event.detail)  # free text stays off the trail


def test_an_admin_can_still_open_a_withdrawn_document_audited(world, intake_user, client):
    services.document_withdraw(document=world["misfiled"], user=intake_user, reason=REASON)
    url = reverse("cases:document_download", args=[world["case"].number, world["misfiled"].pk])
    client.force_login(intake_user)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True))
    response = client.get(url)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOCUMENT_DOWNLOAD, detail__withdrawn=True).exists()


def test_a_withdrawn_document_no_longer_counts_as_a_record_reviewed(world, intake_user):
    """Finalizing needs records besides the UR determination: a withdrawn one is not one of them."""
    case = world["case"]
    for document in CaseDocument.objects.filter(case=case).exclude(pk=world["misfiled"].pk):
        document.kind = CaseDocument.Kind.UR_DETERMINATION
        document.save()
    assert not [p for p in finalize_problems(world["determination"]) if p[0] == "documents"]
    services.document_withdraw(document=world["misfiled"], user=intake_user, reason=REASON)
    assert [p for p in finalize_problems(world["determination"]) if p[0] == "documents"]


def test_only_staff_withdraw_with_a_reason_once(world, intake_user):
    misfiled = world["misfiled"]
    for user in (world["reviewer"], UserFactory(), None):
        with pytest.raises(ServiceError, match="only intake staff"):
            services.document_withdraw(document=misfiled, user=user, reason=REASON)
    with pytest.raises(ServiceError) as exc:
        services.document_withdraw(document=misfiled, user=intake_user, reason=" \n")
    assert exc.value.field == "reason"
    services.document_withdraw(document=misfiled, user=UserFactory(role=Role.ADMIN), reason=REASON)
    with pytest.raises(ServiceError, match="already withdrawn"):
        services.document_withdraw(document=misfiled, user=intake_user, reason=REASON)


def test_withdraw_from_the_case_page(world, intake_user, client):
    case, misfiled = world["case"], world["misfiled"]
    url = reverse("cases:document_withdraw", args=[case.number, misfiled.pk])
    client.force_login(world["reviewer"])
    assert client.post(url, {"reason": REASON}).status_code == 403
    client.force_login(intake_user)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert f'action="{url}"' in page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Say why the document is withdrawn." in response.content.decode()
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    listed = page[page.index("Withdrawn from the case"):]
    assert "MRI lumbar spine" in listed and REASON.replace("'", "&#x27;") in listed
    assert client.post(url, {"reason": REASON}).status_code == 404  # no longer on the case


@pytest.mark.parametrize(
    "uploaded, saved",
    [("notes.exe", "notes.exe.pdf"), ("scan", "scan.pdf"), ("Report.PDF", "Report.pdf"), ("x.pdf.pdf", "x.pdf"), ("../../etc/passwd", "passwd.pdf")],
)
def test_downloads_are_saved_under_a_name_ending_in_pdf(intake_user, client, uploaded, saved):
    case = CaseFactory()
    DisputedItemFactory(case=case)
    document = services.document_add(case=case, uploaded_file=upload(pdf_bytes(1), name=uploaded), kind="other", user=intake_user)
    client.force_login(intake_user)
    response = client.get(reverse("cases:document_download", args=[case.number, document.pk]))
    assert f'filename="{saved}"' in response["Content-Disposition"]


# --- item 5: a closed case takes no uploads ---------------------------------------------

@pytest.mark.parametrize("status", [Case.Status.DECIDED, Case.Status.INELIGIBLE, Case.Status.WITHDRAWN, Case.Status.TERMINATED])
def test_a_closed_case_refuses_uploads_for_every_caller(status, intake_user):
    case = CaseFactory(status=status, ineligible_reason="untimely" if status == Case.Status.INELIGIBLE else "")
    with pytest.raises(ServiceError) as exc:
        services.document_add(case=case, uploaded_file=upload(pdf_bytes(1)), kind="other", user=intake_user)
    assert exc.value.code == "case_closed"
    assert not CaseDocument.all_objects.filter(case=case).exists()


def test_the_decided_case_page_says_where_later_papers_go(intake_user, client):
    case = CaseFactory(status=Case.Status.DECIDED)
    client.force_login(intake_user)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert reverse("cases:document_upload", args=[case.number]) not in page
    assert "correspondence or appeal record" in page
    response = client.post(
        reverse("cases:document_upload", args=[case.number]),
        {"docs-TOTAL_FORMS": "1", "docs-INITIAL_FORMS": "0", "docs-MIN_NUM_FORMS": "0", "docs-MAX_NUM_FORMS": "20",
         "docs-0-file": upload(pdf_bytes(1)), "docs-0-kind": "other"},
    )
    assert response.status_code == 400 and not CaseDocument.all_objects.filter(case=case).exists()


def test_an_open_case_still_takes_uploads(intake_user):
    case = CaseFactory(status=Case.Status.IN_REVIEW)
    assert services.document_add(case=case, uploaded_file=upload(pdf_bytes(1)), kind="other", user=intake_user).pk
