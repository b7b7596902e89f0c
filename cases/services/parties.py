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

