"""The API's JSON parser: hostile bodies become the error envelope, never a 5xx.

DRF's own parser reads the whole stream with no size limit and lets ``RecursionError`` from
very deep nesting escape as a 500; deep but parseable JSON would also reach code that walks
it recursively, so nesting is capped here, once, for every endpoint.
"""

from __future__ import annotations

import codecs
from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

MAX_DEPTH = 32  # far more than any body of the contract needs


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether lists/objects nest deeper than ``limit`` (iterative: no recursion of ours)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node)
    return False


class BoundedJSONParser(JSONParser):
    """JSON of at most ``API_MAX_BODY_BYTES`` (else 413) nested at most ``MAX_DEPTH`` deep."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1)  # one byte more tells "too large" without reading it all
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body may be at most {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(codecs.decode(raw, encoding))
        except RecursionError:
            data = None
            too_deep = True
        except ValueError as exc:  # also UnicodeDecodeError
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        else:
            too_deep = depth_exceeds(data, MAX_DEPTH)
        if too_deep:
            raise exceptions.ParseError(f"The JSON may nest at most {MAX_DEPTH} levels deep.")
        return data
