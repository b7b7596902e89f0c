"""The audit trail (HIPAA 164.312(b)): `record` is the one way to write it.

Views call it for reads of health information (one row per request),
services for changes, signal receivers for sign-ins and admin edits. The
user, client address and request id come from the current request when the
caller does not give them (`AuditMiddleware` keeps it), so a service needs
no request parameter; a Celery task has no request and records no user.

`detail` holds ids and status values only, never health information: free
text never goes in, and strings are cut short as a backstop.
"""

import contextvars
import ipaddress
import logging
import re
import uuid

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from .models import AuditEvent

logger = logging.getLogger(__name__)

Action = AuditEvent.Action

_current_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_MAX_DETAIL_STRING = 64


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """Who connected: REMOTE_ADDR, or behind N trusted proxies the address the
    outermost one saw (the Nth X-Forwarded-For entry from the right; entries
    further left are whatever the client chose to send)."""
    hops = settings.AUDIT_TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(forwarded) >= hops:
            address = _valid_ip(forwarded[-hops])
            if address:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def request_id(request) -> str:
    """The id the trusted proxy gave the request, or one of our own."""
    existing = getattr(request, "request_id", None)
    if existing:
        return existing
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if settings.AUDIT_TRUSTED_PROXY_COUNT and _REQUEST_ID.match(incoming):
        value = incoming
    else:
        value = uuid.uuid4().hex
    request.request_id = value
    return value


def _clean_detail(detail: dict | None) -> dict:
    def clean(value, depth=0):
        if isinstance(value, str):
            return value[:_MAX_DETAIL_STRING]
        if isinstance(value, (list, tuple)):
            return [clean(v, depth + 1) for v in value][:50]
        if isinstance(value, dict) and depth < 3:
            return {str(key)[:40]: clean(v, depth + 1) for key, v in list(value.items())[:50]}
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return str(value)[:_MAX_DETAIL_STRING]

    return {str(key)[:40]: clean(value) for key, value in (detail or {}).items()}


def record(
    action: str,
    *,
    actor=None,
    case=None,
    obj=None,
    object_type: str = "",
    object_id="",
    detail: dict | None = None,
    request=None,
    system: bool = False,
) -> AuditEvent:
    """Write one audit row. `case` is a Case or its id; `obj` the object read
    or changed (its type and id are stored, not its content). `system=True`:
    work the system does by itself (rendering), never credited to whoever's
    request happened to run it."""
    if system:
        request = None
    elif request is None:
        request = _current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = obj.pk
    case_id = getattr(case, "pk", case)
    return AuditEvent.objects.create(
        action=action,
        user=actor if getattr(actor, "pk", None) else None,
        case_id=case_id,
        object_type=object_type,
        object_id="" if object_id in (None, "") else str(object_id)[:64],
        client_address=client_address(request) if request is not None else None,
        request_id=request_id(request) if request is not None else "",
        detail=_clean_detail(detail),
    )


def denied(*, case=None, obj=None, object_type: str = "", object_id="", reason: str) -> AuditEvent:
    """An object the user may not see was asked for (the user got a 404 or 403)."""
    return record(Action.AUTHZ_DENIED, case=case, obj=obj, object_type=object_type, object_id=object_id, detail={"reason": reason})


class AuditMiddleware:
    """Keeps the current request for `record`, tags the response with its
    request id, and records role refusals (403) as `authz.denied`.

    Goes after AuthenticationMiddleware, so `request.user` is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id(request)
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        response["X-Request-ID"] = rid
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            record(Action.AUTHZ_DENIED, request=request, detail={"reason": "role"})
        return None


# --- reads for the audit pages -------------------------------------------------------

ACCESS_ACTIONS = (
    Action.CASE_VIEW,
    Action.DOCUMENT_DOWNLOAD,
    Action.DETERMINATION_VIEW,
    Action.LETTER_PREVIEW,
    Action.LETTER_DOWNLOAD,
    Action.AUTHZ_DENIED,
)


def case_access_events(case, *, limit: int = 20):
    """Who looked at this case lately (views, downloads, refused attempts), newest first."""
    return list(
        AuditEvent.objects.filter(case=case, action__in=ACCESS_ACTIONS).select_related("user").order_by("-at", "-id")[:limit]
    )


# --- sign-in events -----------------------------------------------------------------------

@receiver(user_logged_in, dispatch_uid="audit_login")
def _on_login(sender, request, user, **kwargs):
    record(Action.AUTH_LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(Action.AUTH_LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    """The account is named when it exists; the typed username is not stored
    (people type passwords into the username box)."""
    from .models import User

    username = (credentials or {}).get("username") or ""
    user = User.objects.filter(username=username).first() if username else None
    record(Action.AUTH_FAILURE, actor=user, request=request, detail={"reason": "bad_credentials"})


# --- Django admin: reads of health information, and edits ----------------------------------
# imrsite.admin_mixins.AuditedAdminMixin (given to every model admin by
# imrsite.admin_site) calls these.

# Admin pages that show health information, and the action their reads are
# recorded as: the same as the web pages' (so they show in "Who looked at
# this case"). A model holding health information gets its line here.
ADMIN_READ_ACTIONS = {
    "cases.case": Action.CASE_VIEW,
    "cases.party": Action.CASE_VIEW,  # the employee's name, birth date, address
    "cases.disputeditem": Action.CASE_VIEW,
    "cases.casedocument": Action.CASE_VIEW,
    "cases.emergencyaccess": Action.CASE_VIEW,  # the reason may describe the patient
    "reviewers.assignment": Action.CASE_VIEW,  # the decline reason is free text
    "determinations.determination": Action.DETERMINATION_VIEW,
    "determinations.itemdecision": Action.DETERMINATION_VIEW,
}

# An admin edit records the names of the fields it changed; old and new
# values only for relations (ids), flags, and these coded fields, which are
# never health information. Free text, dates and numbers: names only.
ADMIN_VALUE_FIELDS = frozenset({"status", "review_type", "channel", "notice_method", "kind", "variant", "degree"})


def _case_id_of(obj, depth: int = 0):
    """The case an object belongs to (through case, determination or item), or None."""
    from django.core.exceptions import FieldDoesNotExist

    if obj._meta.label_lower == "cases.case":
        return obj.pk
    for name in ("case", "determination", "item", "assignment"):
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.many_to_one:
            continue
        if name == "case":
            return getattr(obj, field.attname)
        parent = getattr(obj, name, None)
        return _case_id_of(parent, depth + 1) if parent is not None and depth < 2 else None
    return None


def admin_read(obj, *, page: str = "admin") -> AuditEvent | None:
    """An admin opened the change (or view) page of `obj` (or its history or
    delete confirmation, `page` says which): one row, as a web page read."""
    action = ADMIN_READ_ACTIONS.get(obj._meta.label_lower)
    if action is None:
        return None
    return record(action, case=_case_id_of(obj), obj=obj, detail={"page": page})


def admin_list_read(model, *, page: str = "admin") -> AuditEvent | None:
    """An admin opened the list of a model holding health information (or
    searched it from another model's autocomplete box: page "admin-autocomplete")."""
    label = model._meta.label_lower
    if label not in ADMIN_READ_ACTIONS:
        return None
    return record(Action.CASE_LIST, detail={"page": page, "model": label})


# Models whose str() is an identifier, not health information: kept in the admin's log as is.
ADMIN_LOG_PLAIN_REPR = frozenset({"cases.case", "determinations.determination"})


def admin_log_repr(obj) -> str:
    """What Django admin's own log (django_admin_log.object_repr, and the
    "added/changed/deleted" lines of its change messages) may show of `obj`:
    its str() unless that could be health information (a person's name, a
    treatment, a document title), then the model's name and id."""
    label = obj._meta.label_lower
    if label in ADMIN_READ_ACTIONS and label not in ADMIN_LOG_PLAIN_REPR:
        return f"{obj._meta.verbose_name} {obj.pk}"
    return str(obj)


def _plain(value):
    from django.db.models import Model, QuerySet

    if isinstance(value, Model):
        return value.pk
    if isinstance(value, (QuerySet, list, tuple, set)):
        return sorted((_plain(v) for v in value), key=str)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _form_changes(form, add: bool) -> dict:
    """{"fields": names changed, "values": {name: [old, new]}} for the fields whose values may be kept."""
    from django.core.exceptions import FieldDoesNotExist
    from django.db import models

    model = getattr(getattr(form, "_meta", None), "model", None)
    fields, values = [], {}
    for name in form.changed_data:
        fields.append(name)
        try:
            field = model._meta.get_field(name) if model is not None else None
        except FieldDoesNotExist:
            field = None  # a form-only field (a password box, a duration)
        if field is None:
            continue
        if field.is_relation or isinstance(field, models.BooleanField) or (field.choices and name in ADMIN_VALUE_FIELDS):
            old = None if add else form.initial.get(name)
            values[name] = [_plain(old), _plain(form.cleaned_data.get(name))]
    changes = {"fields": fields}
    if values:
        changes["values"] = values
    return changes


def admin_change_detail(form, formsets, *, add: bool) -> dict:
    """What an admin save changed: the object's fields and its inline rows'
    (added, changed, deleted), by name, with values only where they are not
    health information."""
    detail = _form_changes(form, add)
    inlines = []
    for formset in formsets or []:
        label = formset.model._meta.label_lower
        forms_by_instance = {id(f.instance): f for f in formset.forms}
        for instance in getattr(formset, "new_objects", []):
            entry = {"model": label, "id": instance.pk, "op": "add"}
            if id(instance) in forms_by_instance:
                entry.update(_form_changes(forms_by_instance[id(instance)], True))
            inlines.append(entry)
        for instance, _ in getattr(formset, "changed_objects", []):
            entry = {"model": label, "id": instance.pk, "op": "change"}
            if id(instance) in forms_by_instance:
                entry.update(_form_changes(forms_by_instance[id(instance)], False))
            inlines.append(entry)
        for instance in getattr(formset, "deleted_objects", []):
            inlines.append({"model": label, "id": instance.pk, "op": "delete"})
    if inlines:
        detail["inlines"] = inlines
    return detail


# The admin's save stores its change detail here for the log entry that follows.
ADMIN_CHANGE_REQUEST_ATTR = "imr_admin_change"


def _on_admin_log_entry(sender, instance, created, **kwargs):
    """Django admin logs each add, change and delete it makes; mirror it here,
    with the fields the save changed (see admin_change_detail)."""
    if not created:
        return
    from django.contrib.admin.models import ADDITION, CHANGE, DELETION

    model = instance.content_type.model_class() if instance.content_type_id else None
    label = model._meta.label_lower if model else ""
    case_id = None
    if instance.action_flag == DELETION:
        pass  # the row points at nothing that is about to disappear
    elif model is not None:
        obj = model._default_manager.filter(pk=instance.object_id).first()
        case_id = _case_id_of(obj) if obj is not None else None
    flag = {ADDITION: "add", CHANGE: "change", DELETION: "delete"}.get(instance.action_flag, "other")
    detail = {"flag": flag}
    request = _current_request.get()
    if request is not None:
        detail.update(getattr(request, ADMIN_CHANGE_REQUEST_ATTR, None) or {})
        setattr(request, ADMIN_CHANGE_REQUEST_ATTR, None)  # one save, one log entry
    record(
        Action.ADMIN_CHANGE,
        actor=instance.user if instance.user_id else None,
        case=case_id,
        object_type=label,
        object_id=instance.object_id,
        detail=detail,
    )


def connect_admin_log():
    from django.contrib.admin.models import LogEntry
    from django.db.models.signals import post_save

    post_save.connect(_on_admin_log_entry, sender=LogEntry, dispatch_uid="audit_admin_log")
