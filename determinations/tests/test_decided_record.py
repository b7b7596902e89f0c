"""Issue 19 #5: after the decision, what the letter prints is frozen.

A re-render of an existing version reproduces the same letter (date,
header, documents, qualifications come from facts recorded at decision
time, never "today"); Django admin cannot silently edit a decided case's
letter fields or documents: only inside an open correction, whose
finalization issues amended letters.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from cases.models import Case, CaseDocument
from determinations import letters, rendering, services
from determinations.models import Determination, Letter
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import form_data
from reviewers.models import License
from tests.factories import DocumentFactory, UserFactory

from .correction_helpers import correct_and_finalize, decided, open_correction
from .letters_helpers import import_seed, pdf_text, squash

pytestmark = pytest.mark.django_db


def html(determination, variant="parties"):
    return rendering.letter_html(determination=rendering.load_determination(determination.pk), variant=variant)


def test_a_re_render_reproduces_the_letter_whatever_changed_since(settings, time_machine):
    final = decided()
    before = {variant: html(final, variant) for variant in ("parties", "public")}
    case = Case.objects.get(pk=final.case_id)
    # A month later, everything the letter prints from outside the determination changes:
    time_machine.move_to(date.today() + timedelta(days=31))
    case.employee.name = "Renamed Person"
    case.employee.save()
    case.employer.name = "Another Employer Inc"
    case.employer.save()
    DocumentFactory(case=case, title="A record that arrived after the decision")
    CaseDocument.objects.filter(case=case).exclude(title__startswith="A record").update(title="Retitled")
    License.objects.filter(reviewer=final.reviewer).update(state="NV")
    final.reviewer.certifications.all().delete()
    settings.IMRO_NAME = "A Renamed Review Organization"
    settings.IMRO_ADDRESS = "1 New Street"
    for variant, text in before.items():
        assert html(final, variant) == text, variant
    assert "Renamed" not in before["parties"] and "Retitled" not in before["parties"]


def test_legacy_finals_get_their_facts_once_at_the_first_letter_request():
    final = decided()
    Determination.objects.filter(pk=final.pk).update(letter_facts={})
    final.refresh_from_db()
    letters.letters_request(determination=final)
    final.refresh_from_db()
    assert final.letter_facts["letter_date"] == final.decided_on.isoformat()
    assert final.letter_facts["documents"]


def test_the_seed_letter_prints_its_decision_date_not_today(tmp_path):
    seed = import_seed(tmp_path)
    text = pdf_text(rendering.letter_pdf(determination=rendering.load_determination(seed.pk), variant="parties").data)
    decided = seed.decided_on
    assert squash(f"{decided:%B} {decided.day}, {decided.year}") in text
    today = date.today()
    assert squash(f"{today:%B} {today.day}, {today.year}") not in text


# --- admin edits of a decided case -----------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    return client


def case_change(case):
    return reverse("admin:cases_case_change", args=[case.pk])


def test_a_decided_case_s_letter_fields_are_read_only_in_admin(admin_client):
    final = decided()
    case = final.case
    page = admin_client.get(case_change(case))
    body = page.content.decode()
    assert 'name="claim_number"' not in body and 'name="employee"' not in body and 'name="date_of_injury"' not in body
    assert 'name="diagnosis"' in body  # not printed in the letter: still editable
    data = form_data(page)
    data["claim_number"] = "WC-SILENTLY-CHANGED"
    data["diagnosis"] = "Lumbar strain"
    assert admin_client.post(case_change(case), data).status_code == 302
    case.refresh_from_db()
    assert (case.claim_number, case.diagnosis) == (final.case.claim_number, "Lumbar strain")


def test_the_rule_holds_for_any_caller_not_only_the_admin_form():
    case = Case.objects.get(pk=decided().case_id)
    with pytest.raises(ServiceError) as refused:
        services.decided_record_edit_check(case=case, fields=["claim_number", "diagnosis"])
    assert (refused.value.code, refused.value.field) == ("decided_case_frozen", "claim_number")
    services.decided_record_edit_check(case=case, fields=["diagnosis"])  # not printed: allowed
    with pytest.raises(ServiceError):
        services.decided_record_edit_check(case=case, fields=["title"], document=True)


def test_documents_of_a_decided_case_are_frozen_too(admin_client):
    final = decided()
    document = final.case.documents.first()
    url = reverse("admin:cases_casedocument_change", args=[document.pk])
    page = admin_client.get(url)
    assert 'name="title"' not in page.content.decode()
    data = form_data(page)
    data["title"] = "Changed after the decision"
    admin_client.post(url, data)
    document.refresh_from_db()
    assert document.title != "Changed after the decision"


def test_inside_a_correction_the_fields_change_audited_and_the_amended_letter_prints_them(admin_client):
    final = decided()
    case = final.case
    draft = open_correction(final, reason="The claim number was mistyped at registration.")
    page = admin_client.get(case_change(case))
    data = form_data(page)
    data["claim_number"] = "WC-CORRECTED-1"
    assert admin_client.post(case_change(case), data).status_code == 302
    case.refresh_from_db()
    assert case.claim_number == "WC-CORRECTED-1"
    event = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.CASE_UPDATE).latest("id")
    assert event.detail["fields"] == ["claim_number"] and event.detail["correction_version"] == 2
    assert "WC-CORRECTED-1" not in html(final)  # version 1 still prints what it printed
    corrected = correct_and_finalize(draft)
    assert '<span class="value">WC-CORRECTED-1</span>' in html(corrected)
    assert corrected.letters.filter(variant=Letter.Variant.PARTIES).exists()
    # Closed again once the correction is final.
    assert 'name="claim_number"' not in admin_client.get(case_change(case)).content.decode()
