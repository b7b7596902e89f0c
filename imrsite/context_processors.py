from django.conf import settings

from accounts.roles import user_roles


def product(request):
    return {
        "IMRO_NAME": settings.IMRO_NAME,
        "IMRO_SHORT_NAME": settings.IMRO_SHORT_NAME,
        "roles": user_roles(getattr(request, "user", None)),
    }
