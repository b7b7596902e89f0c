"""How the API reads bodies and picks its answer's format."""

import csv
import io

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BaseRenderer, JSONRenderer


class LenientJSONParser(JSONParser):
    """The search criteria are JSON whatever Content-Type says (curl --data sends
    a form type); an empty body is no criteria."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            # json.loads gives up on deep nesting ({"a":{"a":...}} a few thousand deep)
            # with RecursionError, which DRF's parser does not turn into a 400.
            raise ParseError("JSON parse error - nested too deeply") from exc


def _accept_entries(header: str):
    for position, part in enumerate((header or "").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        yield media.lower(), q, position


def prefers_csv(accept: str) -> bool:
    """CSV when the client names text/plain and does not prefer JSON; JSON otherwise
    (no Accept, */*, or a browser's or Java's default list)."""
    text = json_ = None
    for media, q, position in _accept_entries(accept):
        key = (q, -position)
        if media == "text/plain" and q > 0:
            text = max(text, key) if text else key
        elif media == "application/json" and q > 0:
            json_ = max(json_, key) if json_ else key
    return text is not None and (json_ is None or text > json_)


class CsvRenderer(BaseRenderer):
    """text/plain CSV of a search's results (the view gives the rows)."""

    media_type = "text/plain"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, (bytes, str)):
            return data
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerows(data or [])
        return out.getvalue().encode("utf-8")


class JsonOrCsvNegotiation(BaseContentNegotiation):
    """JSON unless the client asks for text/plain and the view can write it. Never a
    406: an unknown Accept gets JSON, which every published client reads."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        if prefers_csv(request.META.get("HTTP_ACCEPT", "")):
            for renderer in renderers:
                if isinstance(renderer, CsvRenderer):
                    return renderer, renderer.media_type
        for renderer in renderers:
            if isinstance(renderer, JSONRenderer):
                return renderer, renderer.media_type
        return renderers[0], renderers[0].media_type
