from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    INTAKE = "intake", "Intake staff"
    REVIEWER = "reviewer", "Physician reviewer"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    """One account per human (HIPAA unique user identification).

    Roles are Django groups named after `Role` values, so permissions can be
    managed in admin; accounts are deactivated, never deleted.
    """

    class Meta:
        ordering = ["username"]

    def __str__(self):
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class Notification(models.Model):
    """An on-site message to a user or to everyone in a role."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True, help_text="Sent to everyone in this role.")
    message = models.CharField(max_length=500)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_idx"),
            models.Index(fields=["role", "read_at"], name="notification_role_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(role=""), name="notification_has_audience"
            )
        ]

    def __str__(self):
        return self.message
