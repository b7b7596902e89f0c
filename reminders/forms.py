from django import forms

from accounts.models import ReminderEmail


class ReminderPreferenceForm(forms.Form):
    reminder_email = forms.ChoiceField(
        label="Reminder e-mails", choices=ReminderEmail.choices, widget=forms.RadioSelect,
        help_text="Reminders and escalations always appear under Notifications in the app. "
                  "E-mails never name a case or a person: they say how many reminders wait and link here.",
    )
