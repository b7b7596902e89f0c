"""Demo service accounts (seed_demo): `claims-api` for the claims administrator
of the seed case, `claims-api2` for another claims administrator, both with
the demo password, so a newcomer can try the API with curl at once."""

from cases.models import Case, Party

DEMO_ACCOUNTS = [
    # username, which claims administrator
    ("claims-api", "Golden State Claims Services"),  # the seed case's (CM13-0001234) and the newest open case's
    ("claims-api2", "Coastal Risk Services"),  # the expedited case awaiting records
]


def seed_demo_api(*, password: str | None, result) -> list[str]:
    """Create the demo service accounts that are missing; a given password is
    (re)set on both. Returns the usernames created."""
    import secrets

    from django.contrib.auth import get_user_model

    from . import services
    from .models import ServiceAccount

    created = []
    for username, organization_name in DEMO_ACCOUNTS:
        organization = (
            Party.objects.filter(kind=Party.Kind.ORGANIZATION, name=organization_name, cases_as_claims_administrator__isnull=False)
            .order_by("id")
            .first()
        )
        if organization is None:
            continue
        account = ServiceAccount.objects.filter(user__username=username).select_related("user").first()
        if account is None:
            if get_user_model().objects.filter(username=username).exists():
                continue  # a person has that name: leave it alone
            if password is None:
                password = secrets.token_urlsafe(12)
                result.password = result.password or password
            services.service_account_create(
                username=username, organization=organization, password=password, description="Demo integration"
            )
            created.append(username)
        elif password is not None:
            services.service_account_set_password(account=account, password=password)
    return created


def demo_case_for(username: str) -> Case | None:
    """The first case a demo account sees (for the README walk-through)."""
    organization = dict(DEMO_ACCOUNTS).get(username)
    return Case.objects.filter(claims_administrator__name=organization).order_by("number").first()
