from django import forms
from django.contrib import admin

from .clocks import CLOCK_KINDS
from .models import ReminderDelivery, ReminderRule, ReminderSchedule, SentReminder


class ReminderRuleForm(forms.ModelForm):
    clock = forms.ChoiceField(label="What", help_text="The clock the rule watches.")

    class Meta:
        model = ReminderRule
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clock"].choices = [(key, kind.label) for key, kind in CLOCK_KINDS.items()]


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    form = ReminderRuleForm
    list_display = ("name", "clock_label", "review_type", "offset", "unit", "repeat_every", "max_count", "audience",
                    "working_hours_only", "active")
    list_filter = ("clock", "review_type", "audience", "active")
    list_editable = ("active",)
    fieldsets = (
        (None, {"fields": ("name", "active", "is_escalation")}),
        ("What", {"fields": ("clock", "review_type")}),
        ("When", {"fields": ("offset", "unit", "repeat_every")}),
        ("To whom", {"fields": ("audience",)}),
        ("Stop rule", {"fields": ("max_count", "working_hours_only")}),
    )

    @admin.display(description="What", ordering="clock")
    def clock_label(self, rule):
        kind = CLOCK_KINDS.get(rule.clock)
        return kind.label if kind else f"{rule.clock} (not registered)"

    def has_delete_permission(self, request, obj=None):
        # A rule that has sent reminders is kept (the log points to it); deactivate it instead.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.sent.exists())


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SentReminder)
class SentReminderAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "rule", "case", "event", "occurrence", "due_at")
    list_filter = ("rule",)
    list_select_related = ("rule", "case")
    raw_id_fields = ("case",)
    date_hierarchy = "sent_at"


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "reminder", "user", "channel", "emailed_at")
    list_filter = ("channel",)
    list_select_related = ("reminder__rule", "user")


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(ReadOnlyAdmin):
    list_display = ("case", "next_at")
    list_select_related = ("case",)
