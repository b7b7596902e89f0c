"""Admin building blocks shared by the apps."""


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
