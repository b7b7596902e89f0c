from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .forms import ReminderPreferenceForm
from .services import reminder_preference_set


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    """Each person chooses how reminder e-mails reach them: at once or in a daily digest."""
    # Bound on every POST, even an empty one (`request.POST or None` took an empty POST for a GET:
    # nothing saved, no error shown, 200).
    posted = request.method == "POST"
    form = ReminderPreferenceForm(request.POST if posted else None, initial={"reminder_email": request.user.reminder_email})
    if posted and form.is_valid():
        reminder_preference_set(user=request.user, choice=form.cleaned_data["reminder_email"])
        messages.success(request, "Your reminder e-mail setting is saved.")
        return redirect("reminders:settings")
    return render(request, "reminders/settings.html", {"form": form}, status=400 if posted else 200)
