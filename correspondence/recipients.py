"""Who receives what, and where: one place for the recipient rules.

Notices go to the parties of the application (employee, attorney if
represented, requesting physician, employer, claims administrator); the
Final Determination Letter also to the Administrative Director. Each
recipient is reached by its party's preferred channel, which needs its
address field: a missing one is a refusal that names the party and the field.
"""

from dataclasses import dataclass

from django.conf import settings

from cases.models import Case, DeliveryChannel, Party, PartyRole
from imrsite.errors import ServiceError

NOTICE_ROLES = (
    PartyRole.EMPLOYEE,
    PartyRole.ATTORNEY,
    PartyRole.REQUESTING_PROVIDER,
    PartyRole.EMPLOYER,
    PartyRole.CLAIMS_ADMINISTRATOR,
)
LETTER_ROLES = (*NOTICE_ROLES, PartyRole.ADMINISTRATIVE_DIRECTOR)
# The parties a party-information request may be sent to.
ASKABLE_ROLES = NOTICE_ROLES

# channel -> (Party field, words for a refusal)
ADDRESS_FIELDS = {
    DeliveryChannel.MAIL: ("address", "mailing address"),
    DeliveryChannel.EMAIL: ("email", "e-mail address"),
    DeliveryChannel.FAX: ("fax", "fax number"),
}


@dataclass(frozen=True)
class Recipient:
    role: str
    party: Party | None
    name: str
    channel: str
    address: str
    problem: str = ""  # why it cannot be sent by this channel ("" when it can)

    @property
    def role_label(self) -> str:
        return PartyRole(self.role).label

    @property
    def channel_label(self) -> str:
        return DeliveryChannel(self.channel).label


def case_party(case: Case, role: str) -> Party | None:
    """The case's party in that role (None: no attorney, or the Administrative Director)."""
    if role == PartyRole.ADMINISTRATIVE_DIRECTOR:
        return None
    return getattr(case, role)


def _problem(name: str, role: str, channel: str, address: str) -> str:
    if channel == DeliveryChannel.PORTAL:
        if role != PartyRole.CLAIMS_ADMINISTRATOR:
            return f"{name} ({PartyRole(role).label.lower()}) cannot download from the portal: only claims administrators have portal accounts"
        return ""
    if not address.strip():
        return f"{name} ({PartyRole(role).label.lower()}) has no {ADDRESS_FIELDS[channel][1]} on file for {DeliveryChannel(channel).label.lower()}"
    return ""


def recipient_for(case: Case, role: str, channel: str | None = None) -> Recipient | None:
    """The recipient in `role` reached by `channel` (default: its preferred one); None if the case has nobody in it."""
    if role == PartyRole.ADMINISTRATIVE_DIRECTOR:
        channel = channel or settings.IMR_AD_CHANNEL
        address = {DeliveryChannel.MAIL: settings.IMR_AD_ADDRESS, DeliveryChannel.EMAIL: settings.IMR_AD_EMAIL}.get(channel, "")
        name = settings.IMR_AD_NAME
        return Recipient(role=role, party=None, name=name, channel=channel, address=address, problem=_problem(name, role, channel, address))
    party = case_party(case, role)
    if party is None:
        return None
    channel = channel or party.preferred_channel
    if channel not in DeliveryChannel.values:
        raise ServiceError("choose mail, e-mail, fax or portal", field="channel")
    address = getattr(party, ADDRESS_FIELDS[channel][0]) if channel in ADDRESS_FIELDS else ""
    return Recipient(role=role, party=party, name=party.name, channel=channel, address=address,
                     problem=_problem(party.name, role, channel, address))


def recipients_for(case: Case, roles) -> list[Recipient]:
    return [r for r in (recipient_for(case, role) for role in roles) if r is not None]


def require_sendable(recipient: Recipient) -> None:
    """Refuse, naming the party and the missing field, before anything is marked sent."""
    if recipient.problem:
        field = ADDRESS_FIELDS.get(recipient.channel, ("channel",))[0]
        raise ServiceError(recipient.problem + ".", field=field, code="missing_address")


def mailing_block(case: Case, role: str) -> dict:
    """Name and postal address as a letter's addressee block prints them."""
    r = recipient_for(case, role, DeliveryChannel.MAIL)
    if r is None:
        return {}
    return {"role": r.role_label, "name": r.name, "address_lines": [line for line in r.address.splitlines() if line.strip()]}


def letter_distribution(case: Case) -> dict:
    """The Final Determination Letter's addressee (the employee) and its cc list."""
    cc = []
    for role in LETTER_ROLES[1:]:
        r = recipient_for(case, role, DeliveryChannel.MAIL)
        if r is not None:
            cc.append({"role": r.role_label, "name": r.name})
    return {"addressee": mailing_block(case, PartyRole.EMPLOYEE), "cc": cc}
