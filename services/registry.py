"""Every service this code base runs, by the name the CLI and the deployment manifests use."""

from __future__ import annotations

from services.embedded import EMBEDDED
from services.ingest.service import INGEST
from services.matcher.service import MATCHER
from services.search.service import SEARCH
from shared.web.service import ServiceSpec

SERVICES: dict[str, ServiceSpec] = {spec.name: spec for spec in (EMBEDDED, INGEST, SEARCH, MATCHER)}
DISTRIBUTED = (INGEST, SEARCH, MATCHER)
"""The services of the distributed shape, each in its own process."""
