"""Writes on cases, one module per responsibility:

- `numbering`: case numbers;
- `parties`: people and organizations;
- `registration`: a new application and its items;
- `status`: the state machine and the stored deadlines;
- `screening`: eligibility;
- `documents`: uploads and withdrawals of misfiled documents;
- `access`: break-glass emergency access;
- `owner`: who looks after a case.

Every caller (intake views, admin, import, generators, other apps'
services) goes through these functions; none of them changes `Case.status`
itself. The names below are the package's public face, so callers write
`cases.services.case_register(...)` whatever module holds it.
"""

from .access import emergency_access_check, emergency_access_grant, emergency_access_revoke
from .documents import DocumentUpload, document_add, document_withdraw, documents_add
from .numbering import (
    case_number_issue,
    case_number_reserve,
    case_numbers_issue_block,
    case_number_range_reserve,
    format_case_number,
    parse_case_number,
)
from .parties import NEW as NEW_PARTY
from .parties import (
    PartyInput,
    party_get_or_create,
    party_match_or_create,
    party_resolve,
    party_update_contact,
    party_update_details,
)
from .registration import (
    CaseData,
    ItemData,
    applicability_refusal,
    case_date_problems,
    case_intake,
    case_register,
    filing_window_refusal,
    find_duplicates,
    validate_case_dates,
)
from .owner import case_set_owner, owner_refusal
from .screening import ScreeningOutcome, case_screen, screening_duplicates
from .status import (
    TRANSITIONS,
    _apply_deadlines,
    case_await_information,
    case_compute_deadlines,
    case_convert_to_expedited,
    case_lock,
    case_mark_decided,
    case_mark_eligible,
    case_mark_ineligible,
    case_mark_records_complete,
    case_record_assignment_notice,
    case_record_letter_mailing,
    case_refresh_deadlines,
    case_resume_after_information,
    case_transition,
)

__all__ = [
    "NEW_PARTY", "CaseData", "DocumentUpload", "ItemData", "PartyInput", "ScreeningOutcome", "TRANSITIONS",
    "applicability_refusal", "filing_window_refusal",
    "case_await_information", "case_record_assignment_notice", "case_record_letter_mailing",
    "case_resume_after_information", "party_update_contact",
    "case_compute_deadlines", "case_convert_to_expedited", "case_date_problems", "case_intake", "case_lock",
    "case_mark_decided", "case_mark_eligible", "case_mark_ineligible", "case_mark_records_complete",
    "case_number_issue", "case_number_reserve", "case_numbers_issue_block", "case_number_range_reserve", "case_refresh_deadlines",
    "case_register", "case_screen", "case_transition", "document_add", "document_withdraw", "documents_add",
    "party_match_or_create", "party_resolve", "party_update_details",
    "emergency_access_check", "emergency_access_grant", "emergency_access_revoke", "find_duplicates",
    "format_case_number", "parse_case_number", "party_get_or_create", "screening_duplicates",
    "validate_case_dates", "_apply_deadlines", "case_set_owner", "owner_refusal",
]
