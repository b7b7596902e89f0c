"""Admin building blocks shared by the apps."""

from accounts import audit


class ViewOnlyAdminMixin:
    """For rows only services write (assignments, audit events, counters…):
    admins may look, never add, change or delete. Works for ModelAdmin and
    inlines alike (inlines pass `obj` to has_add_permission)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdminMixin:
    """Django admin on the audit trail, like the web pages (HIPAA 164.312(b)):
    opening the list or the change/view page of a model that holds health
    information writes one read row (accounts.audit.ADMIN_READ_ACTIONS), and
    every save records the fields it changed with its log entry
    (accounts.audit.admin_change_detail: names, and old → new values only
    where they are not health information).

    imrsite.admin_site gives it to every registered model admin, so a new
    admin cannot forget it."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # GET only: a POST runs an action or saves list_editable rows (recorded as changes).
        if request.method == "GET" and response.status_code == 200:
            audit.admin_list_read(self.model)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # A page drawn with the object (a GET, or a POST shown again with its errors) is a read;
        # a successful save redirects and is recorded as the change instead.
        original = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code == 200 and original is not None:
            audit.admin_read(original)
        return response

    def construct_change_message(self, request, form, formsets, add=False):
        setattr(request, audit.ADMIN_CHANGE_REQUEST_ATTR, audit.admin_change_detail(form, formsets, add=add))
        return super().construct_change_message(request, form, formsets, add)
