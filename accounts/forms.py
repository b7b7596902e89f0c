from django import forms


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false", "autocapitalize": "off"}),
    )


class EnrollForm(TokenForm):
    token = forms.CharField(
        label="Code from the app",
        max_length=10,
        strip=True,
        help_text="The 6-digit code your authenticator app shows now.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
