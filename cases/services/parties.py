"""Parties (people and organizations) of cases.

Never merge people on a name (issue 19 item 1). Two policies, one per kind
of caller:

- a clerk at the intake form sees every existing party that may be the one
  typed (`cases.selectors.party_candidates`) and chooses one of them or a
  new one: `party_resolve`. Choosing one keeps what was typed: the details
  typed replace or fill in those on file.
- a caller with no one to ask (`import_cases`, the claims administrators'
  API) matches only on what identifies a party: `party_match_or_create`.
  A person with a birth date is the same person only with the same name and
  birth date; a physician, with the same name and specialty; an
  organization, by its name. Whatever differs from the row on file, or a
  namesake it did not merge with, comes back as a note to report.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from accounts import audit
from imrsite.errors import ServiceError
from imrsite.limits import check_lengths

from ..models import Party
from ..text import has_visible_text

# What the clerk may type about a party besides its name, and how it is shown.
DETAIL_LABELS = {
    "date_of_birth": "date of birth",
    "sex": "sex",
    "phone": "phone",
    "address": "address",
    "specialty": "specialty",
}
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
NEW = "new"


@dataclass
class PartyInput:
    kind: str
    name: str
    details: dict = field(default_factory=dict)
    # The clerk's answer when candidates were shown: a candidate's id, NEW, or None (not asked yet).
    choice: int | str | None = None


def _clean_name(kind: str, name: str, details: dict) -> str:
    name = " ".join((name or "").split())
    if not name and kind == Party.Kind.PERSON:
        name = f"{details.get('first_name', '')} {details.get('last_name', '')}".strip()
    if not has_visible_text(name):
        raise ServiceError("a name is required", field="name", code="no_name")
    return name


def _check_details(details: dict, *, today: date | None = None) -> None:
    born = details.get("date_of_birth")
    if born:
        today = today or timezone.localdate()
        if born > today:
            raise ServiceError("cannot be in the future", field="date_of_birth", code="future_date")
        if born < EARLIEST_BIRTH_DATE:
            raise ServiceError("cannot be before 1900", field="date_of_birth", code="too_early")
    sex = details.get("sex")
    if sex and sex not in Party.Sex.values:
        raise ServiceError("choose male, female or unspecified", field="sex")


def _new_party(kind: str, name: str, details: dict) -> Party:
    party = Party(kind=kind, name=name, **{k: v for k, v in details.items() if v not in (None, "")})
    check_lengths(party)
    party.save()
    party.just_created = True  # for a caller resolving several parties in one go (case_intake)
    return party


def differences(party: Party, details: dict) -> list[dict]:
    """What was typed that the row on file does not say: changed or missing details."""
    result = []
    for name, label in DETAIL_LABELS.items():
        typed = details.get(name)
        if typed in (None, ""):
            continue
        on_file = getattr(party, name)
        if on_file in (None, ""):
            result.append({"field": name, "label": label, "on_file": None, "typed": typed})
        elif (on_file.strip().casefold() if isinstance(on_file, str) else on_file) != (
            typed.strip().casefold() if isinstance(typed, str) else typed
        ):
            result.append({"field": name, "label": label, "on_file": on_file, "typed": typed})
    return result


def party_update_details(*, party: Party, details: dict, actor=None) -> list[str]:
    """Store what was typed on a party the clerk identified; returns the fields changed (audited)."""
    changed = []
    for diff in differences(party, details):
        value = diff["typed"].strip() if isinstance(diff["typed"], str) else diff["typed"]
        setattr(party, diff["field"], value)
        changed.append(diff["field"])
    if changed:
        check_lengths(party, fields=changed)
        party.save(update_fields=changed)
        audit.record(audit.Action.PARTY_UPDATE, actor=actor, obj=party, detail={"fields": changed})
    return changed


def party_resolve(*, party_input: PartyInput, actor=None) -> Party:
    """The party the clerk meant: the candidate chosen, or a new one.

    Refused while candidates exist and the clerk has not answered, or when
    the answer is no longer one of them (the name was changed since).
    """
    from ..selectors import party_candidates

    kind, details = party_input.kind, dict(party_input.details)
    name = _clean_name(kind, party_input.name, details)
    _check_details(details)
    if party_input.choice == NEW:
        return _new_party(kind, name, details)
    candidates = party_candidates(kind=kind, name=name, details=details)
    if party_input.choice in (None, ""):
        if candidates:
            raise ServiceError(
                f"{len(candidates)} party(ies) on file may be {name}: choose one, or register a new one",
                field="choice", code="party_choice_needed",
            )
        return _new_party(kind, name, details)
    chosen = next((c for c in candidates if str(c.pk) == str(party_input.choice)), None)
    if chosen is None:
        raise ServiceError(
            "the party chosen no longer matches the name typed: choose again", field="choice", code="party_choice_stale"
        )
    party_update_details(party=chosen, details=details, actor=actor)
    return chosen


def party_match_or_create(*, kind: str, name: str, **details) -> tuple[Party, list[str]]:
    """Match on what identifies the party, or create it; notes say what differs.

    For callers that cannot ask anyone (imports, the API): nothing on file is
    changed, and a namesake that cannot be told apart is not merged with.
    """
    from ..selectors import party_namesakes

    name = _clean_name(kind, name, details)
    _check_details(details)
    namesakes = party_namesakes(kind=kind, name=name)
    notes: list[str] = []
    match = None
    if kind == Party.Kind.ORGANIZATION:
        match = namesakes[0] if namesakes else None
    elif details.get("date_of_birth"):
        match = next((p for p in namesakes if p.date_of_birth == details["date_of_birth"]), None)
    else:
        # A physician (no birth date): the same name and the same specialty.
        wanted = (details.get("specialty") or "").strip().casefold()
        match = next(
            (p for p in namesakes if p.date_of_birth is None and p.specialty.strip().casefold() == wanted), None
        )
    if match is None:
        party = _new_party(kind, name, details)
        if namesakes:
            ids = ", ".join(str(p.pk) for p in namesakes[:5])
            notes.append(f"not merged with {len(namesakes)} party(ies) of the same name (id {ids}): what identifies them differs")
        return party, notes
    diffs = differences(match, details)
    if diffs:
        notes.append(
            f"matched party {match.pk}; differs: "
            + "; ".join(f"{d['label']} (on file: {d['on_file'] or 'none'}, here: {d['typed']})" for d in diffs)
        )
    return match, notes


def party_get_or_create(*, kind: str, name: str, **details) -> Party:
    """`party_match_or_create` without the notes (demo data, tests)."""
    return party_match_or_create(kind=kind, name=name, **details)[0]


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
