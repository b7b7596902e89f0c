"""Determination, item decision, guideline and letter admin."""

import pytest
from django.urls import reverse

from accounts.models import Role
from determinations import admin as determination_admin
from determinations.models import Determination, ItemDecision, Letter
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import draft_determination, final_determination, form_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def change_url(determination):
    return reverse("admin:determinations_determination_change", args=[determination.pk])


def test_a_final_determination_is_entirely_read_only(admin_client):
    determination = final_determination()
    response = admin_client.get(change_url(determination))
    body = response.content.decode()
    assert response.status_code == 200
    assert determination.clinical_case_summary in body
    assert determination.decisions.get().rationale in body
    assert 'name="clinical_case_summary"' not in body
    assert 'name="decisions-0-rationale"' not in body
    assert 'name="_save"' not in body
    before = (determination.clinical_case_summary, determination.revision)

    response = admin_client.post(change_url(determination), {"clinical_case_summary": "Rewritten"})
    assert response.status_code == 403
    determination.refresh_from_db()
    assert (determination.clinical_case_summary, determination.revision) == before


def test_a_draft_is_saved_through_the_service(admin_client):
    determination = draft_determination()
    data = form_data(admin_client.get(change_url(determination)))
    assert "case" not in data and "status" not in data and "decisions-0-item" not in data
    data["clinical_case_summary"] = "A 48-year-old warehouse worker with lumbar radiculopathy."
    data["decisions-0-decision"] = "overturned"
    data["decisions-0-rationale"] = "Functional gains were documented; further visits are supported."
    data["status"] = Determination.Status.FINAL  # ignored: read-only
    response = admin_client.post(change_url(determination), data)
    assert response.status_code == 302
    before_revision = determination.revision
    determination.refresh_from_db()
    decision = determination.decisions.get()
    assert determination.status == Determination.Status.DRAFT
    assert determination.clinical_case_summary.startswith("A 48-year-old warehouse worker")
    assert determination.revision == before_revision + 1  # the reviewer's open editor will notice
    assert decision.decision == "overturned"
    assert decision.rationale.startswith("Functional gains")


def test_a_draft_finalized_meanwhile_is_not_changed(admin_client):
    determination = draft_determination()
    data = form_data(admin_client.get(change_url(determination)))
    from determinations.services import determination_finalize

    determination_finalize(determination=determination, user=determination.reviewer.user)
    data["clinical_case_summary"] = "Too late"
    assert admin_client.post(change_url(determination), data).status_code == 403
    determination.refresh_from_db()
    assert determination.clinical_case_summary != "Too late"


def test_a_refusal_of_the_service_is_shown_not_reported_as_saved(admin_client, monkeypatch):
    determination = draft_determination()
    data = form_data(admin_client.get(change_url(determination)))

    def refuse(**kwargs):
        raise ServiceError("a final determination cannot be changed")

    monkeypatch.setattr(determination_admin.services, "determination_save_draft", refuse)
    data["clinical_case_summary"] = "Changed"
    response = admin_client.post(change_url(determination), data, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Not saved: a final determination cannot be changed"]
    determination.refresh_from_db()
    assert determination.clinical_case_summary != "Changed"


def test_no_add_and_no_delete_of_determinations_and_decisions(admin_client):
    determination = final_determination()
    decision = determination.decisions.get()
    assert admin_client.get(reverse("admin:determinations_determination_add")).status_code == 403
    assert admin_client.get(reverse("admin:determinations_determination_delete", args=[determination.pk])).status_code == 403
    assert admin_client.get(reverse("admin:determinations_itemdecision_add")).status_code == 403
    assert admin_client.get(reverse("admin:determinations_itemdecision_delete", args=[decision.pk])).status_code == 403
    assert admin_client.post(
        reverse("admin:determinations_itemdecision_change", args=[decision.pk]), {"decision": "overturned"}
    ).status_code == 403
    assert ItemDecision.objects.get(pk=decision.pk).decision == "upheld"


def test_determination_list_shows_the_outcome(admin_client):
    determination = final_determination()
    body = admin_client.get(reverse("admin:determinations_determination_changelist")).content.decode()
    assert determination.case.number in body
    assert "Upheld" in body


def test_letters_are_read_only_and_never_deleted(admin_client):
    letter = final_determination().letters.first()
    url = reverse("admin:determinations_letter_change", args=[letter.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert admin_client.post(url, {"status": "ready", "sha256": "0" * 64}).status_code == 403
    assert admin_client.get(reverse("admin:determinations_letter_add")).status_code == 403
    assert admin_client.get(reverse("admin:determinations_letter_delete", args=[letter.pk])).status_code == 403
    letter.refresh_from_db()
    assert letter.status == Letter.Status.QUEUED


def test_rerender_action_makes_a_new_version_and_keeps_the_old(admin_client):
    letter = final_determination().letters.get(variant=Letter.Variant.PARTIES)
    changelist = reverse("admin:determinations_letter_changelist")
    choices = [name for name, _ in admin_client.get(changelist).context["action_form"].fields["action"].choices]
    assert "rerender_letters" in choices
    assert "delete_selected" not in choices
    admin_client.post(changelist, {"action": "rerender_letters", "_selected_action": [letter.pk]})
    versions = list(
        Letter.objects.filter(determination=letter.determination, variant=letter.variant).values_list("version", flat=True)
    )
    assert sorted(versions) == [1, 2]


def test_guideline_catalog_is_editable(admin_client):
    from determinations.models import Guideline

    guideline = Guideline.objects.get(name="Official Disability Guidelines (ODG)")
    url = reverse("admin:determinations_guideline_change", args=[guideline.pk])
    data = form_data(admin_client.get(url))
    data.pop("is_active", None)
    assert admin_client.post(url, data).status_code == 302
    guideline.refresh_from_db()
    assert guideline.is_active is False


def test_a_ready_letter_links_to_its_permission_checked_download(admin_client):
    letter = final_determination().letters.first()
    Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.READY, sha256="f" * 64, file="letters/1/x.pdf")
    body = admin_client.get(reverse("admin:determinations_letter_change", args=[letter.pk])).content.decode()
    assert reverse("letters:download", args=[letter.determination.case.number, letter.pk]) in body
    assert "f" * 64 in body
