"""The OpenAPI document arranged for a page: operations by tag, and each schema's fields."""

from __future__ import annotations

from typing import Any


def type_words(schema: dict[str, Any]) -> str:
    """A schema in a few words: `integer`, `array of Listing`, `string (date) or null` …"""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    kind = schema.get("type", "any")
    if kind == "array":
        words = "array of " + type_words(schema.get("items", {}))
    elif kind == "object" and "additionalProperties" in schema and isinstance(
        schema["additionalProperties"], dict
    ):
        words = "object of " + type_words(schema["additionalProperties"])
    else:
        words = kind + (f" ({schema['format']})" if "format" in schema else "")
    if "enum" in schema:
        words += ": " + " | ".join(str(v) for v in schema["enum"])
    limits = [f"{k} {schema[k]}" for k in ("minimum", "maximum", "maxLength", "pattern")
              if k in schema]  # fmt: skip
    if limits:
        words += " [" + ", ".join(limits) + "]"
    return words + (" or null" if schema.get("nullable") else "")


def _body_schema(content: dict | None) -> dict:
    return ((content or {}).get("application/json") or {}).get("schema") or {}


def _operation(path: str, method: str, op: dict) -> dict:
    body = _body_schema((op.get("requestBody") or {}).get("content"))
    return {
        "id": op.get("operationId", ""), "method": method.upper(), "path": path,
        "summary": op.get("summary", ""), "description": op.get("description", ""),
        "token": bool(op.get("security")),
        "params": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                    "type": type_words(p.get("schema", {})),
                    "description": p.get("description", "")}
                   for p in op.get("parameters", [])],
        "body": type_words(body) if body else "",
        "responses": [{"code": code, "description": r.get("description", ""),
                       "type": type_words(_body_schema(r.get("content")))
                       if r.get("content") else ""}
                      for code, r in sorted(op.get("responses", {}).items())],
    }  # fmt: skip


def document(spec: dict[str, Any]) -> dict[str, Any]:
    """What templates/api/docs.html shows."""
    tags: dict[str, list] = {}
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            tag = (op.get("tags") or ["api"])[0]
            tags.setdefault(tag, []).append(_operation(path, method, op))
    schemas = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        schemas.append({"name": name, "fields": [
            {"name": field, "type": type_words(sub), "required": field in required,
             "description": sub.get("description", "")}
            for field, sub in schema.get("properties", {}).items()
        ]})  # fmt: skip
    return {"title": spec["info"]["title"], "description": spec["info"].get("description", ""),
            "version": spec["openapi"], "tags": tags, "schemas": schemas}  # fmt: skip
