"""Builders for the correspondence tests: a case with reachable parties, screened eligible."""

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from cases import services as case_services
from cases.models import DeliveryChannel, Party
from tests.factories import CaseFactory, DisputedItemFactory, OrganizationFactory

MAIL = DeliveryChannel.MAIL


def reachable(party: Party, channel: str = MAIL, n: int = 0) -> Party:
    party.address = f"{100 + n} Main Street\nSacramento, CA 9581{n % 10}"
    party.email = f"party{party.pk}@example.org"
    party.fax = f"916-555-{1000 + party.pk:04d}"
    party.preferred_channel = channel
    party.save()
    return party


def new_case(*, received_on: date | None = None, attorney: bool = True, channels: dict | None = None, **kwargs):
    """A registered case whose parties all have addresses (mail unless `channels` says otherwise)."""
    received_on = received_on or date.today() - timedelta(days=3)
    kwargs.setdefault("ur_decision_date", received_on - timedelta(days=10))
    kwargs.setdefault("date_of_injury", received_on - timedelta(days=200))
    case = CaseFactory(received_on=received_on, attorney=OrganizationFactory(name="Lee & Ortiz, Attorneys") if attorney else None, **kwargs)
    DisputedItemFactory(case=case, position=0, description="Eight (8) physical therapy visits")
    channels = channels or {}
    for i, role in enumerate(("employee", "attorney", "requesting_provider", "employer", "claims_administrator")):
        party = getattr(case, role)
        if party is not None:
            reachable(party, channels.get(role, MAIL), i)
    return case


def screen_eligible(case, **kwargs):
    return case_services.case_screen(
        case=case, signature_present=True, ur_decision_attached=True, conditional_non_certification=False,
        liability_disputed=False, **kwargs,
    )


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def minimal_pdf(title: str = "Record") -> SimpleUploadedFile:
    from cases.tests.helpers import pdf_bytes

    return SimpleUploadedFile(f"{title}.pdf", pdf_bytes(), content_type="application/pdf")
