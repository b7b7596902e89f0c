"""The API's description for integrators: the OpenAPI document and a page that reads it.

Both are public, as the published SDK's documentation is: they describe the
interface and hold no case data (the access matrix lists them as such).
"""

from functools import lru_cache

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .contract import STATUSES


@lru_cache(maxsize=1)
def api_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


@require_GET
def schema(request):
    response = JsonResponse(api_schema(), json_dumps_params={"indent": 2})
    response["Cache-Control"] = "public, max-age=300"
    return response


def _resolve(schema: dict, spec: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema or {}


def _type(schema: dict) -> str:
    kind = schema.get("type", "")
    if kind == "array":
        items = schema.get("items", {})
        return f"list of {items.get('type', 'object')}" if "$ref" not in items else "list of objects"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    return kind + (f" ({schema['format']})" if schema.get("format") else "")


def _fields(schema: dict, spec: dict, prefix: str = "") -> list[dict]:
    schema = _resolve(schema, spec)
    if "allOf" in schema:
        schema = _resolve(schema["allOf"][0], spec)
    rows = []
    required = set(schema.get("required", []))
    for name, prop in (schema.get("properties") or {}).items():
        resolved = _resolve(prop, spec)
        if "allOf" in resolved:
            resolved = _resolve(resolved["allOf"][0], spec)
        rows.append({
            "name": prefix + name,
            "type": _type(resolved) or ("object" if resolved.get("properties") else ""),
            "required": name in required,
            "description": prop.get("description") or resolved.get("description", ""),
        })
        if resolved.get("type") == "array" and _resolve(resolved.get("items", {}), spec).get("properties"):
            rows += _fields(resolved["items"], spec, prefix=f"{prefix}{name}[].")
        elif resolved.get("properties"):
            rows += _fields(resolved, spec, prefix=f"{prefix}{name}.")
    return rows


TAG_ORDER = ["Authentication", "Cases", "Documents", "NOARFI"]


def paragraphs(text: str) -> list[list[tuple[str, bool]]]:
    """Description text as paragraphs of (text, is_code) pieces: `backticks` mark code."""
    return [
        [(piece, index % 2 == 1) for index, piece in enumerate(line.split("`")) if piece]
        for line in (text or "").splitlines()
        if line.strip()
    ]


def operations(spec: dict) -> list[dict]:
    """Every operation of the description, as the page lists it."""
    result = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            request = []
            for media, body in (op.get("requestBody", {}).get("content") or {}).items():
                request.append({"media": media, "fields": _fields(body.get("schema", {}), spec)})
            responses = []
            for status, answer in op.get("responses", {}).items():
                for media, body in (answer.get("content") or {"": {}}).items():
                    responses.append({
                        "status": status,
                        "media": media,
                        "description": answer.get("description", ""),
                        "fields": _fields(body.get("schema", {}), spec) if body else [],
                    })
            result.append({
                "id": op.get("operationId", ""),
                "method": method.upper(),
                "path": path,
                "tag": (op.get("tags") or [""])[0],
                "summary": op.get("summary", ""),
                "description": paragraphs((op.get("description") or "").split("\n\nStatuses:")[0]),
                "secured": op.get("security") != [{}] and bool(op.get("security", True)),
                "parameters": op.get("parameters", []),
                "request": request,
                "responses": responses,
            })
    return sorted(result, key=lambda op: TAG_ORDER.index(op["tag"]) if op["tag"] in TAG_ORDER else len(TAG_ORDER))


@require_GET
def documentation(request):
    spec = api_schema()
    return render(
        request,
        "api/docs.html",
        {"spec": spec, "operations": operations(spec), "statuses": STATUSES.values(), "nav": "api-docs"},
    )
