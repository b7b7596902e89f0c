"""Form helpers shared by the apps."""

from imrsite.errors import ServiceError


def add_service_error(form, exc: ServiceError, *, prefix_map: dict | None = None) -> None:
    """Show a service's refusal beside the field it names (or above the form)."""
    name = (prefix_map or {}).get(exc.field, exc.field)
    form.add_error(name if name in form.fields else None, exc.message)
