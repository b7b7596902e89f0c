"""Admin actions on letters (wired in determinations/admin.py)."""

from django.contrib import admin, messages

from imrsite.errors import ServiceError

from .letters import letter_rerender


@admin.action(description="Re-render as a new version (the old version is kept)", permissions=["change"])
def rerender_letters(modeladmin, request, queryset):
    made, refused = [], []
    for letter in queryset.select_related("determination__case"):
        try:
            new = letter_rerender(letter=letter, requested_by=request.user)
        except ServiceError as exc:
            refused.append(f"{letter}: {exc.message}")
        else:
            made.append(f"{new.determination.case.number} {new.get_variant_display()} v{new.version}")
    if made:
        modeladmin.message_user(request, "Queued for rendering: " + "; ".join(made), messages.SUCCESS)
    for message in refused:
        modeladmin.message_user(request, f"Not re-rendered: {message}", messages.ERROR)
