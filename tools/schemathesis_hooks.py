"""Checks of ours that schemathesis runs beside its own (tools/schemathesis_run.py loads this module
through ``SCHEMATHESIS_HOOKS``; ``--checks all`` includes them).

Two of schemathesis's checks meet a documented design of the API and are narrowed in the run's
config (tools/schemathesis_run.py, ``CHECK_SETTINGS``); each is replaced here by the check the design
does allow, so the property is still tested rather than switched off:

* a batch (``POST /v1/postings``, ``POST /v1/seekers``) answers 200 even when records are invalid: one
  bad record never sinks its batch, it is rejected in the answer. So ``negative_data_rejection`` (which
  wants a 4xx for schema-violating data) is off for those two operations, and
  ``batch_rejects_invalid_data`` asks instead: a schema-violating batch is refused with a 4xx, or
  answered 200 with at least one record rejected;
* a well-formed but unusable parameter (a region code that does not exist, an education nobody can
  place) is 400 by design, which no schema can rule out. ``positive_data_acceptance`` accepts 400 on the
  operations that document such codes, and ``bad_request_is_a_documented_code`` holds every 400 to the
  codes the README names for it.

One more holds the run without a key (``JOBMATCH_SCHEMATHESIS_CREDENTIAL=anonymous``, set by the runner) to
what access control promises: ``unauthenticated_is_refused``, every /v1 answer is 401 ``UNAUTHENTICATED``
with ``WWW-Authenticate: Bearer``, whatever else the request holds.
"""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis

CREDENTIAL_VARIABLE = "JOBMATCH_SCHEMATHESIS_CREDENTIAL"
BATCH_OPERATIONS = {("POST", "/v1/postings"), ("POST", "/v1/seekers")}
# Every code a route raises with 400 (BadRequest): shared/index/posting_queries.py (region, education),
# services/search/query.py (facets), services/search/seeker_query.py (groups), shared/web/limits.py (the
# input limits: query length and terms, page size and depth) and services/ingest/routes.py (batch size).
DOCUMENTED_400_CODES = {
    "UNKNOWN_REGION",
    "UNKNOWN_EDUCATION",
    "UNKNOWN_FACET",
    "UNKNOWN_GROUP",
    "QUERY_TOO_LONG",
    "TOO_MANY_TERMS",
    "PAGE_SIZE_TOO_LARGE",
    "PAGE_TOO_DEEP",
    "BATCH_TOO_LARGE",
    "POSTING_NOT_FLAGGED",
    "BAD_CURSOR",
    "DEAD_LETTER_CLOSED",
    # POST /v1/imports: what no schema can say of a file's bytes or of which mappings exist.
    "EMPTY_FILE",
    "UNKNOWN_ENCODING",
    "UNSUPPORTED_FORMAT",
    "XLSX_ENCRYPTED",
    "XLS_UNSUPPORTED",
    "XLSX_UNREADABLE",
    "XLSX_ZIP_BOMB",
    "SOURCE_REQUIRED",
    "UNKNOWN_MAPPING",
    "MAPPING_INVALID",
    "MAPPING_KIND_MISMATCH",
    # GET /v1/stats/*: a known region that is not a province; more persons registered twice than counted.
    "NOT_A_PROVINCE",
    "TOO_MANY_SHARED_PERSONS",
    # Occupation filters: a well-formed code the vocabulary does not hold.
    "UNKNOWN_OCCUPATION",
}


def _body(response: Any) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


@schemathesis.check
def batch_rejects_invalid_data(ctx: Any, response: Any, case: Any) -> bool | None:
    """A schema-violating batch: a 4xx, or a 200 whose answer rejects at least one record."""
    if (case.operation.method.upper(), case.operation.path) not in BATCH_OPERATIONS:
        return None
    if case.meta is None or not case.meta.generation.mode.is_negative or response.status_code != 200:
        return None
    body = _body(response)
    if not isinstance(body, dict) or body.get("rejected", 0) < 1:
        data = getattr(case.meta.phase, "data", None)
        invalid = getattr(data, "description", None) or "not said"
        raise AssertionError(
            "Schema-violating batch accepted: no record of a batch the document says is invalid was "
            f"rejected (expected a 4xx, or a 200 rejecting at least one record). Invalid component: {invalid}"
        )
    return True


@schemathesis.check
def bad_request_is_a_documented_code(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 400 names one of the codes documented for a well-formed but unusable input."""
    if response.status_code != 400:
        return None
    body = _body(response)
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if code not in DOCUMENTED_400_CODES:
        raise AssertionError(
            f"400 with code {code!r}, not one documented for it ({', '.join(sorted(DOCUMENTED_400_CODES))})"
        )
    return True


@schemathesis.check
def unauthenticated_is_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """Without a key (the anonymous run), every /v1 operation answers 401 UNAUTHENTICATED, nothing else."""
    if os.environ.get(CREDENTIAL_VARIABLE) != "anonymous" or not case.operation.path.startswith("/v1/"):
        return None
    body = _body(response)
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    challenge = response.headers.get("www-authenticate")
    if isinstance(challenge, list):
        challenge = challenge[0] if challenge else None
    if response.status_code != 401 or code != "UNAUTHENTICATED" or challenge != "Bearer":
        raise AssertionError(
            f"Without a key: {response.status_code} {code!r} (WWW-Authenticate {challenge!r}); "
            "expected 401 'UNAUTHENTICATED' with WWW-Authenticate: Bearer"
        )
    return True
