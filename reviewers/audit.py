"""Reviewer credentials in the audit trail.

What makes a reviewer eligible (degree, years and hours of practice,
discipline, licenses, board certifications, affiliations) is recorded as
`reviewer.credentials` whenever it is added, changed or deleted, whoever does
it: admin pages and their inlines, `import_cases`, `seed_demo`, a shell.
Model signals are the one hook all of them pass through. The row names the
fields that changed, never their values.
"""

from django.db.models.signals import post_delete, post_save, pre_save

from accounts import audit

from .models import Affiliation, BoardCertification, License, Reviewer

CREDENTIAL_FIELDS = {
    Reviewer: (
        "degree", "active_practice_since", "weekly_practice_hours", "has_disciplinary_history", "disciplinary_note", "is_active",
    ),
    License: ("state", "number", "status", "restricted", "expires_on"),
    BoardCertification: ("specialty_id", "board", "certified_on", "expires_on"),
    Affiliation: ("party_id", "name", "kind"),
}


def _reviewer_id(instance) -> int:
    return instance.pk if isinstance(instance, Reviewer) else instance.reviewer_id


def _before(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    fields = CREDENTIAL_FIELDS[sender]
    instance._credentials_before = sender._default_manager.filter(pk=instance.pk).values(*fields).first()


def _saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    fields = CREDENTIAL_FIELDS[sender]
    before = None if created else getattr(instance, "_credentials_before", None)
    if before is None:
        changed, change = [f.removesuffix("_id") for f in fields], "add"
    else:
        changed, change = [f.removesuffix("_id") for f in fields if before[f] != getattr(instance, f)], "change"
    instance._credentials_before = None
    if changed:
        _record(instance, change, changed)


def _deleted(sender, instance, **kwargs):
    _record(instance, "delete", [])


def _record(instance, change: str, fields: list[str]) -> None:
    audit.record(
        audit.Action.REVIEWER_CREDENTIALS,
        obj=instance,
        detail={"reviewer": _reviewer_id(instance), "credential": instance._meta.model_name, "change": change, "fields": fields},
    )


def connect() -> None:
    for model in CREDENTIAL_FIELDS:
        uid = f"reviewer_credentials_{model._meta.model_name}"
        pre_save.connect(_before, sender=model, dispatch_uid=f"{uid}_before")
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}_saved")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}_deleted")
