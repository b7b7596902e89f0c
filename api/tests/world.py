"""Two claims administrator organizations, each with a service account and cases,
for the API tests: everything organization A may see has a twin at B that A
must not."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from api import services
from cases import services as case_services
from cases.models import Case, CaseDocument, Party
from cases.tests.helpers import pdf_bytes
from determinations import services as determination_services
from determinations.models import Letter
from imrsite.tests.admin_objects import draft_determination
from tests.factories import PASSWORD, CaseFactory, DisputedItemFactory, DocumentFactory, OrganizationFactory, ReviewerFactory

TOKEN_URL = "/auth/realms/dxc-externals/protocol/openid-connect/token"
BASE = "/apigw/webservices/rest/apigw/"
PDF = pdf_bytes(1)


def stored(case, *, kind, title, content=PDF, uploaded_by=None) -> CaseDocument:
    document = DocumentFactory(case=case, kind=kind, title=title, uploaded_by=uploaded_by)
    document.file.save("record.pdf", ContentFile(content), save=False)
    document.sha256 = hashlib.sha256(content).hexdigest()
    document.size = len(content)
    document.original_filename = f"{title}.pdf"
    document.save()
    return document


def ready_letter(determination, variant=Letter.Variant.PARTIES, content=PDF) -> Letter:
    letter = Letter.objects.create(determination=determination, variant=variant)
    letter.file.save("letter.pdf", ContentFile(content), save=False)
    letter.sha256 = hashlib.sha256(content).hexdigest()
    letter.status = Letter.Status.READY
    letter.page_count = 1
    letter.save()
    return letter


@dataclass
class Side:
    organization: Party
    account: object
    open_case: Case
    decided: Case
    staff_record: CaseDocument
    ur_decision: CaseDocument
    employee_submission: CaseDocument
    letter: Letter
    public_letter: Letter

    @property
    def username(self):
        return self.account.user.username


def open_case_for(organization, **kwargs) -> Case:
    case = CaseFactory(claims_administrator=organization, **kwargs)
    DisputedItemFactory(case=case, position=0, description="Eight (8) physical therapy visits")
    DisputedItemFactory(case=case, position=1, description='Lumbar MRI, "with contrast", urgent')
    return case_services.case_mark_eligible(case=case, assigned_on=timezone.localdate() - timedelta(days=2))


def side(name: str) -> Side:
    organization = OrganizationFactory(name=f"{name} Claims Services", address=f"{len(name)}00 Main Street\nSuite 5\nFresno, CA 93721")
    account = services.service_account_create(username=f"api-{name.lower()}", organization=organization, password=PASSWORD)
    case = open_case_for(organization)
    draft = draft_determination(reviewer=ReviewerFactory())
    Case.objects.filter(pk=draft.case_id).update(claims_administrator=organization)
    final = determination_services.determination_finalize(determination=draft, user=draft.reviewer.user, request_letters=False)
    return Side(
        organization=organization,
        account=account,
        open_case=Case.objects.get(pk=case.pk),
        decided=Case.objects.get(pk=final.case_id),
        staff_record=stored(case, kind=CaseDocument.Kind.MEDICAL_RECORD, title="Progress report"),
        ur_decision=stored(case, kind=CaseDocument.Kind.UR_DETERMINATION, title="UR decision"),
        employee_submission=stored(case, kind=CaseDocument.Kind.EMPLOYEE_SUBMISSION, title="My statement"),
        letter=ready_letter(final),
        public_letter=ready_letter(final, Letter.Variant.PUBLIC),
    )


@dataclass
class World:
    a: Side
    b: Side


def build() -> World:
    return World(a=side("Alpha"), b=side("Bravo"))


def login(client, username, password=PASSWORD) -> dict:
    response = client.post(TOKEN_URL, {"grant_type": "password", "client_id": "dxc", "username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def noarfi_case(organization, *, run_on_commit):
    """An eligible case of `organization` whose notice of assignment (NOARFI) went
    to it today through the portal: correspondence issues, renders and sends it."""
    from cases.models import DeliveryChannel
    from correspondence.tests.helpers import new_case, screen_eligible

    case = new_case(claims_administrator=organization, channels={"claims_administrator": DeliveryChannel.PORTAL})
    case.items.update(description="Lumbar MRI,\nwith contrast")
    with run_on_commit(execute=True):
        screen_eligible(case)
    return Case.objects.get(pk=case.pk)
