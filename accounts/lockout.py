"""Sign-in lockout (django-axes) with two limits instead of axes' one.

axes compares every lockout parameter with the same AXES_FAILURE_LIMIT. We
count two things (settings.AXES_LOCKOUT_PARAMETERS):

- a username from one address: locked at AXES_FAILURE_LIMIT (10), the
  classic guessing of one person's password;
- one address across every username: locked at
  IMR_SIGN_IN_ADDRESS_FAILURE_LIMIT (30), someone trying many accounts. Set
  higher, because a clinic behind one NAT address shares it.

Both cool off after AXES_COOLOFF_TIME (counted from the failure that locked
them; failures during a lockout are not counted, so hammering does not
extend it), so nobody who knows a username can lock its owner out for good.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum

from axes.models import AccessAttempt

ADDRESS = "ip_address"


class SignInLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The number axes compares with AXES_FAILURE_LIMIT: the pair's own
        count, or that limit itself once the address reached its own limit."""
        pair_limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        failures = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials)):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameter == ADDRESS:
                if count >= settings.IMR_SIGN_IN_ADDRESS_FAILURE_LIMIT:
                    return max(count, pair_limit)
            else:
                failures = max(failures, count)
        return failures

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in clears that username's failures from that
        address only: the address's count across usernames stays, or one
        valid account would launder an attacker's tries on everyone else's."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count
