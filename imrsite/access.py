"""Function-level access: which role may open which page.

Object-level access (which case) is `cases.visibility`; this
only says whether the page is for the user's role at all.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.roles import user_roles


def _role_required(check, refusal: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(user_roles(request.user)):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Admins and managers: the statistics pages (figures, never a case file).
reports_required = _role_required(lambda roles: roles.reports, "This page is for managers and administrators.")


def staff_required(view):
    """Intake staff and admins only: anonymous users go to the login page,
    signed-in users of another role get 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_roles(request.user).staff:
            raise PermissionDenied("This page is for intake staff.")
        return view(request, *args, **kwargs)

    return wrapped


# Staff (intake, admins) and managers: the billing pages (invoices, payments, aging); writes are staff's.
billing_required = _role_required(
    lambda roles: roles.staff or roles.manager, "This page is for intake staff, managers and administrators."
)
