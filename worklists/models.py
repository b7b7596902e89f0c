from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.models import Role


class SavedView(models.Model):
    """A person's named filters and sort of a list (the case list or the reviewer
    dashboard), opened from the home page when pinned; an administrator may
    share one with everyone holding a role."""

    class Page(models.TextChoices):
        CASES = "cases", "Case list"
        REVIEW = "review", "Reviewer dashboard"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    page = models.CharField(max_length=20, choices=Page.choices)
    name = models.CharField(max_length=80)
    # The list's query string, kept to the parameters the list understands (worklists.services.clean_query).
    query = models.CharField(max_length=500, blank=True)
    pinned = models.BooleanField(default=False, help_text="Shown on the home page.")
    shared_with_role = models.CharField(
        max_length=20, choices=Role.choices, blank=True,
        help_text="Everyone holding this role sees the view (administrators only).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "page", "name"], name="savedview_owner_page_name_unique"),
            models.CheckConstraint(condition=Q(page__in=["cases", "review"]), name="savedview_page_valid"),
            models.CheckConstraint(
                condition=Q(shared_with_role__in=["", "intake", "reviewer", "admin", "manager"]),
                name="savedview_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["shared_with_role", "page"], name="savedview_shared_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        base = reverse("cases:list") if self.page == self.Page.CASES else reverse("review:dashboard")
        return f"{base}?{self.query}" if self.query else base
