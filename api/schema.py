"""OpenAPI generation settings for the API (drf-spectacular)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ServiceAccountTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The access_token from the token endpoint (expires after expires_in seconds; refresh before).",
        }


API_PREFIXES = ("/auth/realms/", "/apigw/webservices/rest/apigw/")


def only_api_paths(endpoints, **kwargs):
    """SPECTACULAR_SETTINGS PREPROCESSING_HOOKS: the description covers the API, nothing else."""
    return [
        (path, regex, method, callback)
        for path, regex, method, callback in endpoints
        if path.startswith(API_PREFIXES) and "{rest}" not in path
    ]
