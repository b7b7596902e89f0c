from django.conf import settings

from accounts.roles import user_roles
from accounts.sessions import page_clock


def product(request):
    return {
        "IMRO_NAME": settings.IMRO_NAME,
        "IMRO_SHORT_NAME": settings.IMRO_SHORT_NAME,
        "roles": user_roles(getattr(request, "user", None)),
        # Lazily: only pages that draw the idle-timeout dialog read it.
        "session_clock": lambda: page_clock(request),
    }
