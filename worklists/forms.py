from django import forms
from django.db.models import Q

from accounts.models import Role, User
from accounts.roles import user_roles
from reviewers.models import Reviewer

from .models import SavedView
from .services import MAX_BULK_CASES


class SavedViewForm(forms.Form):
    """Save the list's current filters and sort under a name (the query comes from the list's own URL)."""

    name = forms.CharField(label="View name", max_length=80)
    pinned = forms.BooleanField(label="Pin to my home page", required=False)
    shared_with_role = forms.ChoiceField(
        label="Share with", required=False, choices=[("", "Nobody (only me)"), *Role.choices],
    )
    page = forms.ChoiceField(choices=SavedView.Page.choices, widget=forms.HiddenInput)
    query = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_shared_with_role(self):
        role = self.cleaned_data.get("shared_with_role", "")
        if role and not user_roles(self.user).admin:
            raise forms.ValidationError("Share with: only an administrator can share a view with a role.")
        return role


class ReviewerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.user.get_full_name() or obj.user.username


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class BulkActionForm(forms.Form):
    ASSIGN, OWNER, NOTICES = "assign", "owner", "notices"
    ACTIONS = [(ASSIGN, "Assign to a reviewer"), (OWNER, "Change the owner"), (NOTICES, "Print notices")]

    action = forms.ChoiceField(label="Action", choices=ACTIONS)
    reviewer = ReviewerChoiceField(label="Reviewer", required=False, queryset=Reviewer.objects.none())
    owner = OwnerChoiceField(label="New owner", required=False, queryset=User.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = (
            Reviewer.objects.filter(is_active=True, user__is_active=True)
            .select_related("user").order_by("user__last_name", "user__first_name", "pk")
        )
        staff = Q(is_superuser=True) | Q(groups__name__in=[Role.INTAKE, Role.ADMIN])
        self.fields["owner"].queryset = User.objects.filter(staff, is_active=True).distinct().order_by("last_name", "first_name", "username")

    def clean(self):
        data = super().clean()
        numbers = [n for n in self.data.getlist("cases") if n.strip()] if hasattr(self.data, "getlist") else []
        if not numbers:
            raise forms.ValidationError("Select at least one case.")
        if len(numbers) > MAX_BULK_CASES:
            raise forms.ValidationError(f"Select at most {MAX_BULK_CASES} cases at a time.")
        data["cases"] = numbers
        action = data.get("action")
        if action == self.ASSIGN and not data.get("reviewer"):
            self.add_error("reviewer", "Reviewer: choose the reviewer to offer the cases to.")
        if action == self.OWNER and not data.get("owner"):
            self.add_error("owner", "New owner: choose who will own the cases.")
        return data
