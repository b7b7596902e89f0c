"""Public pages are the same for everyone: no Vary: Cookie, and never a cookie in a cached response.

Django's session middleware adds `Vary: Cookie` whenever any code looked at
the session (ours does on every request: the session lifetime middleware
asks who the user is). The public views read neither the session nor the
user, so for their responses (marked `public_page`) the header only stops
shared caches from sharing them. It sits outside the session middleware to
see the response after it. A response that sets a cookie anyway (a signed-in
reader's session being extended) is made private so no cache keeps it.
"""

from django.utils.cache import patch_cache_control


class PublicPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(response, "public_page", False):
            return response
        if response.cookies:
            patch_cache_control(response, private=True, no_store=True)
            response.headers.pop("Last-Modified", None)
            return response
        vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip() and v.strip().lower() != "cookie"]
        if vary:
            response["Vary"] = ", ".join(vary)
        else:
            response.headers.pop("Vary", None)
        return response
