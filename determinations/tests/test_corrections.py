"""Issue 11 #8: corrections. An admin opens version n+1 with a reason; the
reviewer who decided (or, when they cannot, another eligible reviewer
through a new assignment) corrects it; finalizing supersedes version n
(kept, with its letters), issues amended letters and replaces the public
copy. Through the service, Django admin and the review pages."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Notification, Role
from cases.models import Case
from determinations import rendering, services
from determinations.models import Determination, Letter
from determinations.signals import public_copy_ready
from imrsite.errors import ServiceError
from reviewers import services as reviewer_services
from reviewers.models import Assignment
from tests.factories import ReviewerFactory, UserFactory

from .correction_helpers import an_admin, correct_and_finalize, decided, open_correction
from .letters_helpers import pdf_text, squash

pytestmark = pytest.mark.django_db
A = AuditEvent.Action


def actions(case):
    return list(AuditEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))


# --- opening ----------------------------------------------------------------------------


def test_only_an_admin_opens_a_correction_and_only_with_a_reason():
    final = decided()
    for user in (UserFactory(role=Role.INTAKE), final.reviewer.user, None):
        with pytest.raises(ServiceError) as refused:
            services.correction_open(determination=final, reason="Typo", opened_by=user)
        assert refused.value.code == "not_admin"
    with pytest.raises(ServiceError) as refused:
        services.correction_open(determination=final, reason="   ", opened_by=an_admin())
    assert (refused.value.code, refused.value.field) == ("no_reason", "reason")
    assert final.case.determinations.count() == 1


def test_a_correction_opens_version_2_prefilled_for_the_reviewer_who_decided():
    final = decided()
    draft = open_correction(final, reason="Wrong page numbers cited.")
    assert (draft.version, draft.status, draft.supersedes_id, draft.reviewer_id) == (2, "draft", final.pk, final.reviewer_id)
    assert draft.correction_reason == "Wrong page numbers cited." and draft.correction_opened_by is not None
    assert draft.clinical_case_summary == final.clinical_case_summary
    assert [(d.item_id, d.decision, d.rationale) for d in draft.decisions.order_by("item_id")] == [
        (d.item_id, d.decision, d.rationale) for d in final.decisions.order_by("item_id")
    ]
    final.refresh_from_db()
    assert final.status == Determination.Status.FINAL  # version 1 stands until the correction is final
    # The reviewer's completed assignment reopens: the case is on their dashboard again.
    assert Assignment.objects.get(case=final.case).status == Assignment.Status.ACCEPTED
    assert Case.objects.get(pk=final.case_id).status == Case.Status.DECIDED
    assert A.CORRECTION_OPEN in actions(final.case)
    assert Notification.objects.filter(recipient=final.reviewer.user, message__contains=final.case.number).exists()


def test_only_the_current_final_version_is_corrected_once_at_a_time():
    final = decided()
    draft = open_correction(final)
    with pytest.raises(ServiceError, match="already open"):
        open_correction(final)
    with pytest.raises(ServiceError) as refused:
        open_correction(draft)
    assert refused.value.code == "not_final"
    corrected = correct_and_finalize(draft)
    final.refresh_from_db()
    with pytest.raises(ServiceError, match="superseded"):
        open_correction(final)
    assert open_correction(corrected).version == 3  # a correction of the correction


def test_the_deciding_reviewer_keeps_the_correction_while_they_can():
    final = decided()
    other = ReviewerFactory()
    with pytest.raises(ServiceError) as refused:
        open_correction(final, reviewer=other)
    assert refused.value.code == "original_reviewer_eligible"


@pytest.mark.parametrize("gone", ["inactive_reviewer", "deactivated_user", "conflict", "expired_license"])
def test_a_reviewer_who_cannot_take_it_is_replaced_through_a_checked_assignment(gone):
    final = decided()
    original = final.reviewer
    if gone == "inactive_reviewer":
        original.is_active = False
        original.save()
    elif gone == "deactivated_user":
        original.user.is_active = False
        original.user.save()
    elif gone == "conflict":
        from reviewers.models import Affiliation

        Affiliation.objects.create(reviewer=original, name=final.case.employer.name)
    else:
        original.licenses.update(expires_on=date(2020, 1, 1))
    with pytest.raises(ServiceError) as refused:
        open_correction(final)
    assert refused.value.code == "original_reviewer_ineligible"
    # Another reviewer: held to reviewer_check like any assignment (here: a conflicted one is refused).
    conflicted = ReviewerFactory(affiliations=[final.case.claims_administrator.name])
    with pytest.raises(ServiceError) as refused:
        open_correction(final, reviewer=conflicted)
    assert refused.value.code == "reviewer_ineligible"
    assert final.case.determinations.count() == 1  # nothing left behind
    substitute = ReviewerFactory()
    draft = open_correction(final, reviewer=substitute)
    assert draft.reviewer_id == substitute.pk
    offer = Assignment.objects.get(case=final.case, reviewer=substitute)
    assert offer.status == Assignment.Status.OFFERED
    assert Case.objects.get(pk=final.case_id).status == Case.Status.DECIDED  # no new review clock
    assert Assignment.objects.get(case=final.case, reviewer=original).status == Assignment.Status.COMPLETED
    # The substitute accepts (attesting no conflict) and finalizes: the correction is theirs.
    reviewer_services.assignment_accept(assignment=offer, user=substitute.user, attested=True)
    corrected = correct_and_finalize(draft)
    assert corrected.reviewer_id == substitute.pk and corrected.status == Determination.Status.FINAL
    assert Assignment.objects.get(case=final.case, reviewer=substitute).status == Assignment.Status.COMPLETED


def test_a_declined_correction_stays_decided_and_goes_to_another_reviewer():
    final = decided()
    final.reviewer.is_active = False
    final.reviewer.save()
    admin = an_admin()
    first, second = ReviewerFactory(), ReviewerFactory()
    draft = open_correction(final, reviewer=first, admin=admin)
    offer = Assignment.objects.get(case=final.case, reviewer=first)
    with pytest.raises(ServiceError) as refused:
        services.correction_reassign(draft=draft, reviewer=second, by=admin)
    assert refused.value.code == "reviewer_can_finish"
    reviewer_services.assignment_decline(assignment=offer, user=first.user, reason="On leave this month")
    case = Case.objects.get(pk=final.case_id)
    assert case.status == Case.Status.DECIDED
    assert Notification.objects.filter(role=Role.ADMIN, message__contains="declined the correction").exists()
    draft = services.correction_reassign(draft=draft, reviewer=second, by=admin)
    assert draft.reviewer_id == second.pk
    assert Assignment.objects.get(case=case, reviewer=second).status == Assignment.Status.OFFERED
    assert A.CORRECTION_REVIEWER in actions(case)


# --- finalizing ------------------------------------------------------------------------------


def test_finalizing_the_correction_supersedes_version_1_and_issues_amended_letters(django_capture_on_commit_callbacks):
    final = decided()
    decided_on = Case.objects.get(pk=final.case_id).decided_on
    v1_letters = set(final.letters.values_list("pk", flat=True))
    assert len(v1_letters) == 2
    draft = open_correction(final, reason="The rationale cited the wrong page numbers.")
    announced = []

    def receiver(sender, letter, determination, replaces, **kwargs):
        announced.append((letter.variant, determination.pk, replaces.pk if replaces else None))

    public_copy_ready.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            corrected = correct_and_finalize(draft)
    finally:
        public_copy_ready.disconnect(receiver)
    final.refresh_from_db()
    assert (final.status, corrected.status, corrected.version) == ("superseded", "final", 2)
    assert set(final.letters.values_list("pk", flat=True)) == v1_letters  # kept, not deleted
    new = list(corrected.letters.order_by("variant"))
    assert [(letter.variant, letter.status) for letter in new] == [("parties", "ready"), ("public", "ready")]
    assert announced == [("public", corrected.pk, final.pk)]  # the public copy is replaced
    from determinations.letter_selectors import public_copy_for

    assert public_copy_for(final.case) == corrected.letters.get(variant="public")
    case = Case.objects.get(pk=final.case_id)
    assert (case.status, case.decided_on) == (Case.Status.DECIDED, decided_on)
    assert Assignment.objects.get(case=case).status == Assignment.Status.COMPLETED
    trail = actions(case)
    assert trail.index(A.CORRECTION_OPEN) < trail.index(A.DETERMINATION_SUPERSEDE) < len(trail)
    assert trail.count(A.DETERMINATION_FINALIZE) == 2
    with pytest.raises(ServiceError, match="superseded"):
        from determinations.letters import letters_request

        letters_request(determination=final)


def test_the_amended_letters_say_so_with_date_and_reason_and_the_public_copy_redacts_it():
    final = decided()
    employee = final.case.employee.name
    draft = open_correction(final, reason=f"The letter misspelled {employee}'s treating provider; call 559-555-0142.")
    corrected = correct_and_finalize(draft)
    original_date = final.decided_on
    for variant in (Letter.Variant.PARTIES, Letter.Variant.PUBLIC):
        text = pdf_text(rendering.letter_pdf(determination=rendering.load_determination(corrected.pk), variant=variant).data)
        assert squash("AMENDED INDEPENDENT MEDICAL REVIEW FINAL DETERMINATION LETTER") in text.upper()
        assert squash(f"Amended {corrected.decided_on:%B} {corrected.decided_on.day}, {corrected.decided_on.year}.") in text
        assert squash(f"replaces the Final Determination Letter dated {original_date:%B} {original_date.day}, {original_date.year}") in text
        assert squash("Reason for the amendment:") in text
        if variant == Letter.Variant.PUBLIC:
            assert squash(employee) not in text and "559-555-0142" not in text
            assert squash("[Employee]'s treating provider; call [Phone number].") in text
        else:
            assert squash(f"{employee}'s treating provider") in text
    # Version 1's letter is not amended.
    text = pdf_text(rendering.letter_pdf(determination=rendering.load_determination(final.pk), variant="parties").data)
    assert "AMENDED" not in text and "Reasonfortheamendment" not in text


def test_review_pages_show_the_correction_and_the_reviewer_finalizes_it(client):
    final = decided()
    draft = open_correction(final, reason="Wrong page numbers.")
    reviewer = final.reviewer
    client.force_login(reviewer.user)
    dashboard = client.get(reverse("review:dashboard")).content.decode()
    assert "Correction" in dashboard and reverse("review:determination", args=[final.case.number]) in dashboard
    page = client.get(reverse("review:determination", args=[final.case.number]))
    body = page.content.decode()
    assert page.context["determination"].pk == draft.pk
    assert "Correction requested" in body and "Wrong page numbers." in body and "Prefilled from version 1; not saved yet." in body
    response = client.post(reverse("review:finalize", args=[final.case.number]), {"revision": draft.revision})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Determination.Status.FINAL
    case_page = client.get(reverse("review:case", args=[final.case.number])).content.decode()
    assert "Amended parties" in case_page and "superseded by a correction" in case_page


def test_a_substitute_reviewer_sees_their_correction_and_the_original_only_their_version(client):
    final = decided()
    final.reviewer.is_active = False
    final.reviewer.save()
    substitute = ReviewerFactory()
    draft = open_correction(final, reviewer=substitute, reason="Another reviewer must correct the rationale.")
    client.force_login(substitute.user)
    assert "To accept" in client.get(reverse("review:dashboard")).content.decode()
    client.post(reverse("review:accept", args=[final.case.number]), {"attested": "on"})
    assert client.get(reverse("review:determination", args=[final.case.number])).context["determination"].pk == draft.pk
    client.force_login(final.reviewer.user)
    page = client.get(reverse("review:determination", args=[final.case.number]))
    assert page.context["determination"].pk == final.pk  # never the other reviewer's draft
    assert client.post(reverse("review:finalize", args=[final.case.number]), {"revision": draft.revision}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Determination.Status.DRAFT  # the original cannot finalize the substitute's version


# --- Django admin --------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(an_admin())
    return client


def test_admin_opens_a_correction_from_the_read_only_determination(admin_client):
    final = decided()
    change = admin_client.get(reverse("admin:determinations_determination_change", args=[final.pk])).content.decode()
    url = reverse("admin:determinations_determination_correct", args=[final.pk])
    assert url in change and 'name="_save"' not in change
    page = admin_client.get(url)
    assert page.status_code == 200 and "reviewer" not in page.context["form"].fields
    read = AuditEvent.objects.filter(case=final.case, object_id=str(final.pk)).latest("id")
    assert read.detail == {"page": "admin"}  # the page is a read of the determination, audited
    refused = admin_client.post(url, {"reason": ""})
    assert refused.status_code == 400 and final.case.determinations.count() == 1
    response = admin_client.post(url, {"reason": "The rationale cited the wrong pages."})
    draft = final.case.determinations.get(version=2)
    assert response.status_code == 302 and response["Location"].endswith(f"/{draft.pk}/change/")
    again = admin_client.get(url)
    assert again.status_code == 200 and again.context["form"] is None and "already open" in again.content.decode()


def test_admin_chooses_another_reviewer_when_the_original_cannot(admin_client):
    final = decided()
    final.reviewer.is_active = False
    final.reviewer.save()
    substitute = ReviewerFactory()
    conflicted = ReviewerFactory(affiliations=[final.case.employer.name])
    url = reverse("admin:determinations_determination_correct", args=[final.pk])
    page = admin_client.get(url)
    choices = {r.pk for r in page.context["form"].fields["reviewer"].queryset}
    assert substitute.pk in choices and conflicted.pk not in choices and final.reviewer_id not in choices
    assert "not active" in page.content.decode()
    assert admin_client.post(url, {"reason": "Fix", "reviewer": conflicted.pk}).status_code == 400
    assert admin_client.post(url, {"reason": "Fix", "reviewer": substitute.pk}).status_code == 302
    assert Assignment.objects.get(case=final.case, reviewer=substitute).status == Assignment.Status.OFFERED


def test_only_admins_reach_the_correction_page(client):
    final = decided()
    url = reverse("admin:determinations_determination_correct", args=[final.pk])
    staff_intake = UserFactory(role=Role.INTAKE, is_staff=True)
    client.force_login(staff_intake)
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(final.reviewer.user)
    assert client.get(url).status_code == 302  # to the admin login
    client.logout()
    assert client.get(url).status_code == 302
    assert final.case.determinations.count() == 1


def test_the_first_public_copy_is_announced_too_and_a_superseded_one_never(django_capture_on_commit_callbacks):
    from determinations.letters import announce_public_copy

    announced = []

    def receiver(sender, letter, determination, replaces, **kwargs):
        announced.append((letter.pk, replaces))

    public_copy_ready.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            final = decided()
        public = final.letters.get(variant=Letter.Variant.PUBLIC)
        assert announced == [(public.pk, None)]
        correct_and_finalize(open_correction(final))  # letters queued, not rendered
        assert announce_public_copy(letter_id=public.pk) is False  # version 1 is superseded now
        assert announce_public_copy(letter_id=final.letters.get(variant=Letter.Variant.PARTIES).pk) is False
        assert len(announced) == 1
    finally:
        public_copy_ready.disconnect(receiver)
