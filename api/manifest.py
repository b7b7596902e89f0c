"""The NOARFI manifest (events/noarfi): the days with notices of assignment
this organization has not acknowledged, a day's notices as CSV, and the
acknowledgement of a day. The notices and their deliveries are the
correspondence app's (correspondence.selectors / .services); this module
only speaks the contract."""

import csv
import io
import re
from datetime import date

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts import audit

from . import contract, docs
from .errors import ApiError
from .formats import CsvRenderer
from .views import ApiView, ok

NO_MATCHING_DATA = "NO_MATCHING_DATA"  # what the published shell samples look for when a day has nothing


def _deliveries(account, *, day=None, unacknowledged=True):
    from correspondence.models import NoticeKind
    from correspondence.selectors import notices_for_claims_administrator

    return notices_for_claims_administrator(
        party=account.organization, day=day, unacknowledged=unacknowledged, kinds=[NoticeKind.NOARFI]
    )


def manifest_days(account) -> list[date]:
    """The days (sent) with notices of assignment not yet acknowledged, oldest first."""
    return list(_deliveries(account).order_by("sent_on").values_list("sent_on", flat=True).distinct())


def _day(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise ApiError(400, "The date must be yyyy-MM-dd", code="date")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ApiError(400, "The date must be yyyy-MM-dd", code="date") from exc


class ManifestDatesView(ApiView):
    @extend_schema(**docs.MANIFEST_DATES)
    def get(self, request):
        days = manifest_days(self.account)
        audit.record(audit.Action.API_MANIFEST, actor=request.user, detail={"via": "api", "what": "dates", "count": len(days)})
        return Response({"datelist": [day.isoformat() for day in days]})


class ManifestView(ApiView):
    renderer_classes = [CsvRenderer]

    @extend_schema(**docs.MANIFEST)
    def get(self, request, day):
        from django.db.models import Prefetch

        from cases.models import DisputedItem

        day = _day(day)
        legacy = request.query_params.get("legacy", "").lower() in ("true", "1", "yes") or request.query_params.get("option") == "legacy"
        deliveries = list(
            _deliveries(self.account, day=day)
            .select_related("case__employee", "case__requesting_provider")
            .prefetch_related(Prefetch("case__items", queryset=DisputedItem.objects.order_by("position", "id")))
        )
        if not deliveries:
            raise ApiError(404, NO_MATCHING_DATA, code="no_matching_data")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(contract.manifest_header(legacy=legacy))
        organization = self.account.organization
        for delivery in deliveries:
            writer.writerow(contract.manifest_row(case=delivery.case, administrator=organization, address=delivery.address, day=day, legacy=legacy))
        audit.record(
            audit.Action.API_MANIFEST, actor=request.user,
            detail={"via": "api", "what": "manifest", "day": day.isoformat(), "cases": [d.case_id for d in deliveries]},
        )
        return HttpResponse(out.getvalue().encode("utf-8"), content_type="text/plain; charset=utf-8")

    @extend_schema(**docs.MANIFEST_ACKNOWLEDGE)
    def delete(self, request, day):
        from correspondence import services as correspondence_services

        day = _day(day)
        if not _deliveries(self.account, day=day, unacknowledged=False).exists():
            raise ApiError(404, NO_MATCHING_DATA, code="no_matching_data")
        count = correspondence_services.deliveries_acknowledge(party=self.account.organization, day=day, user=request.user)
        audit.record(audit.Action.API_MANIFEST, actor=request.user, detail={"via": "api", "what": "acknowledge", "day": day.isoformat(), "count": count})
        return ok()
