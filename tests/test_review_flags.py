"""Review flags end to end on both shapes: flagged postings listed with their evidence and filters, staff
decisions recorded and audited, upheld ones hidden from kiosks and matching, a source's later edits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from services.embedded import EMBEDDED
from shared.settings import Settings
from shared.web.app_factory import create_app as create_service_app
from tests.helpers import bearer, distributed_services, keyed_client, role_keys
from tests.review_scenario import check_review_flags


def test_review_flags_on_the_embedded_shape(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", environment="test")
    keys = role_keys(settings)
    with keyed_client(create_service_app(EMBEDDED, settings=settings), settings) as client:

        def call(_service: str, method: str, path: str, role: str = "admin", **kwargs: Any) -> Any:
            return client.request(method, path, headers=bearer(keys[role]), **kwargs)

        check_review_flags(call, timeout_s=20)


@pytest.mark.distributed
@pytest.mark.elasticsearch
@pytest.mark.kafka
def test_review_flags_on_the_distributed_shape(
    tmp_path: Path, elasticsearch_url: str, kafka_bootstrap: str
) -> None:
    with (
        distributed_services(
            tmp_path,
            elasticsearch_url=elasticsearch_url,
            kafka_bootstrap=kafka_bootstrap,
            name="review",
            partitions=2,
        ) as (services, keys),
        httpx.Client(timeout=30) as http,
    ):

        def call(service: str, method: str, path: str, role: str = "admin", **kwargs: Any) -> Any:
            url = services[service].url + path
            return http.request(method, url, headers=bearer(keys[role]), **kwargs)

        check_review_flags(call, timeout_s=60)
