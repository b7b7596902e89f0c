"""Parties (people and organizations) of cases."""

from dataclasses import dataclass, field

from imrsite.errors import ServiceError

from ..models import Party
from ..text import normalize_name

@dataclass
class PartyInput:
    kind: str
    name: str
    details: dict = field(default_factory=dict)



def party_get_or_create(*, kind: str, name: str, **details) -> Party:
    """Find a party by kind and normalized name (and birth date for people), or create it."""
    name = (name or "").strip()
    if not name and kind == Party.Kind.PERSON:
        name = f"{details.get('first_name', '')} {details.get('last_name', '')}".strip()
    if not name:
        raise ServiceError("a name is required", field="name")
    lookup = {"kind": kind, "normalized_name": normalize_name(name)}
    if details.get("date_of_birth"):
        lookup["date_of_birth"] = details["date_of_birth"]
    party = Party.objects.filter(**lookup).order_by("id").first()
    if party is None:
        party = Party(kind=kind, name=name, **details)
        party.save()
    return party



CONTACT_FIELDS = ("address", "email", "fax", "phone", "preferred_channel")


def party_update_contact(*, party: Party, actor=None, **contact) -> Party:
    """Change where a party is reached (address, e-mail, fax, phone, preferred channel)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from accounts import audit

    from ..models import DeliveryChannel

    unknown = set(contact) - set(CONTACT_FIELDS)
    if unknown:
        raise ServiceError(f"unknown contact field {sorted(unknown)[0]}", field=sorted(unknown)[0])
    values = {name: (value or "").strip() for name, value in contact.items()}
    if "preferred_channel" in values and values["preferred_channel"] not in DeliveryChannel.values:
        raise ServiceError("choose mail, e-mail, fax or portal", field="preferred_channel")
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError as exc:
            raise ServiceError("enter a valid e-mail address", field="email") from exc
    changed = [name for name, value in values.items() if getattr(party, name) != value]
    for name in changed:
        setattr(party, name, values[name])
    if changed:
        party.save(update_fields=changed)
        audit.record(audit.Action.PARTY_CONTACT, actor=actor, obj=party, detail={"fields": changed})
    return party
