"""Factories shared by every app's tests."""

from datetime import date, timedelta

import factory
from django.contrib.auth.models import Group

from accounts.models import Role, User
from cases.models import Case, CaseDocument, DisputedItem, Party
from reviewers.models import Affiliation, BoardCertification, License, Reviewer, Specialty

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == Role.ADMIN:
                self.is_staff = True
        self.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    kind = Party.Kind.ORGANIZATION
    name = factory.Sequence(lambda n: f"Organization {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    kind = Party.Kind.PERSON
    first_name = "Daniel"
    last_name = factory.Sequence(lambda n: f"Reyes{n}")
    name = factory.LazyAttribute(lambda p: f"{p.first_name} {p.last_name}")
    date_of_birth = date(1975, 2, 11)
    sex = Party.Sex.MALE


class ProviderFactory(PersonFactory):
    first_name = "Alan"
    last_name = factory.Sequence(lambda n: f"Whitfield{n}")
    name = factory.LazyAttribute(lambda p: f"{p.first_name} {p.last_name}, MD")
    date_of_birth = None
    sex = ""
    specialty = "Orthopaedic Surgery"


class CaseFactory(factory.django.DjangoModelFactory):
    """A registered case; use `cases.services` to move it along."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"CM26-{9000000 + n:07d}")
    review_type = "standard"
    status = Case.Status.RECEIVED
    received_on = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    ur_decision_date = factory.LazyAttribute(lambda c: c.received_on - timedelta(days=12))
    ur_decision_served_on = factory.LazyAttribute(lambda c: c.ur_decision_date)
    date_of_injury = factory.LazyAttribute(lambda c: c.ur_decision_date - timedelta(days=200))
    claim_number = factory.Sequence(lambda n: f"WC-{n:06d}")
    employee = factory.SubFactory(PersonFactory)
    employer = factory.SubFactory(OrganizationFactory)
    claims_administrator = factory.SubFactory(OrganizationFactory)
    requesting_provider = factory.SubFactory(ProviderFactory)
    diagnosis = "Lumbar disc displacement"


class DisputedItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DisputedItem

    case = factory.SubFactory(CaseFactory)
    position = factory.Sequence(lambda n: n)
    description = "Eight (8) physical therapy visits"
    category = "Physical Medicine"


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseDocument

    case = factory.SubFactory(CaseFactory)
    title = "Physical therapy progress note"
    kind = CaseDocument.Kind.MEDICAL_RECORD
    author = "Physical therapist"
    dated = factory.LazyFunction(lambda: date.today() - timedelta(days=30))


def specialty(name: str) -> Specialty:
    return Specialty.objects.get_or_create(name=name)[0]


class ReviewerFactory(factory.django.DjangoModelFactory):
    """An eligible reviewer for Physical Medicine cases by default."""

    class Meta:
        model = Reviewer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.REVIEWER)
    degree = "MD"
    active_practice_since = factory.LazyFunction(lambda: date.today().year - 20)
    weekly_practice_hours = 32

    @factory.post_generation
    def specialties(self, create, extracted, **kwargs):
        for position, name in enumerate(extracted if extracted is not None else ["Physical Medicine & Rehabilitation"]):
            BoardCertification.objects.create(reviewer=self, specialty=specialty(name), position=position)

    @factory.post_generation
    def license(self, create, extracted, **kwargs):
        if extracted is False:
            return
        License.objects.create(
            reviewer=self, state="CA", number=f"A{self.pk:06d}", expires_on=date.today() + timedelta(days=365)
        )

    @factory.post_generation
    def affiliations(self, create, extracted, **kwargs):
        for name in extracted or []:
            Affiliation.objects.create(reviewer=self, name=name)
