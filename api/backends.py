"""Who may authenticate where: people at the sign-in pages, service accounts at the token endpoint.

Both are Django's ModelBackend (password hashing, timing-equal refusal of
unknown users); they differ only in which accounts they accept. The token
endpoint asks with `service_account=True` (api.oauth), the web sign-in never
does, so a service account's password opens no page and a person's password
gets no API token.
"""

from django.contrib.auth.backends import ModelBackend


def is_service_account(user) -> bool:
    from .selectors import service_account_of

    return service_account_of(user) is not None


class PeopleBackend(ModelBackend):
    """Human users; never a service account."""

    def authenticate(self, request, username=None, password=None, service_account=False, **kwargs):
        if service_account:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not is_service_account(user)

    def get_user(self, user_id):
        # Every signed-in page restores its user here: the service-account check
        # rides on the same query (a LEFT JOIN), not a second one.
        from django.contrib.auth import get_user_model

        User = get_user_model()
        user = User._default_manager.select_related("service_account").filter(pk=user_id).first()
        if user is None or is_service_account(user) or not self.user_can_authenticate(user):
            return None
        return user


class ServiceAccountBackend(ModelBackend):
    """Service accounts whose organization's access is not revoked, at the token endpoint only."""

    def authenticate(self, request, username=None, password=None, service_account=False, **kwargs):
        if not service_account:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user):
        from .authentication import account_has_a_role
        from .selectors import service_account_of

        account = service_account_of(user)
        return super().user_can_authenticate(user) and account is not None and account.is_active and not account_has_a_role(user)

    def get_user(self, user_id):
        # No sessions for service accounts.
        return None
