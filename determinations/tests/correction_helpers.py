"""Builders for the correction tests: a decided case, and its correction."""

from accounts.models import Role
from determinations import services
from determinations.models import Determination
from tests.factories import ReviewerFactory, UserFactory

from .letters_helpers import draft_case


def decided(*, reviewer=None, items=("Eight (8) physical therapy visits",)) -> Determination:
    """A final determination (letters requested on commit, not rendered)."""
    draft = draft_case(reviewer=reviewer or ReviewerFactory(), items=items)
    return services.determination_finalize(determination=draft, user=draft.reviewer.user)


def an_admin():
    return UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True)


def open_correction(final: Determination, *, reason="The rationale cited the wrong page numbers.", reviewer=None, admin=None):
    return services.correction_open(determination=final, reason=reason, opened_by=admin or an_admin(), reviewer=reviewer)


def correct_and_finalize(draft: Determination, *, rationale="The guidelines allow 9-10 visits (pages 98-99); 9 were given."):
    rows = list(draft.decisions.select_related("guideline"))
    services.determination_save_draft(
        determination=draft,
        clinical_case_summary=draft.clinical_case_summary,
        decisions=[
            services.DecisionData(
                item_id=row.item_id, decision=row.decision, guideline=row.guideline, section=row.section, pages=row.pages,
                evidence_level=row.evidence_level, lower_level_reason=row.lower_level_reason, rationale=rationale,
            )
            for row in rows
        ],
    )
    return services.determination_finalize(determination=draft, user=draft.reviewer.user)
