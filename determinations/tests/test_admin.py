"""Determination, item decision, guideline and letter admin."""

import pytest
from django.urls import reverse

from accounts.models import Role
from determinations.models import ItemDecision, Letter
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


def test_a_draft_is_read_only_too_the_reviewer_writes_it(admin_client):
    """Issue 11 #8: admins could rewrite a reviewer's draft in admin; now nobody but the reviewer writes it."""
    determination = draft_determination()
    response = admin_client.get(change_url(determination))
    body = response.content.decode()
    assert response.status_code == 200
    assert determination.clinical_case_summary in body
    assert 'name="clinical_case_summary"' not in body and 'name="decisions-0-rationale"' not in body
    assert 'name="_save"' not in body
    before = (determination.clinical_case_summary, determination.revision)
    response = admin_client.post(
        change_url(determination),
        {"clinical_case_summary": "Rewritten by an admin", "decisions-TOTAL_FORMS": "1", "decisions-INITIAL_FORMS": "1",
         "decisions-0-id": determination.decisions.get().pk, "decisions-0-rationale": "Admin words"},
    )
    assert response.status_code == 403
    determination.refresh_from_db()
    assert (determination.clinical_case_summary, determination.revision) == before
    assert determination.decisions.get().rationale != "Admin words"


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
