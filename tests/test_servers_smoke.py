"""The local servers answer the project's own clients."""

from __future__ import annotations

import uuid

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

from tests.conftest import local_servers


@pytest.mark.elasticsearch
def test_elasticsearch_is_healthy_and_speaks_the_client_major(elasticsearch_url: str) -> None:
    with Elasticsearch(elasticsearch_url, request_timeout=30) as client:
        health = client.cluster.health(wait_for_status="yellow", timeout="30s")
        # GET / (client.info(), client.ping()) is answered 405 by the test distribution: it lacks rest-root.
        nodes = client.nodes.info(node_id="_local")["nodes"]
    assert health["status"] in {"yellow", "green"}
    assert health["number_of_nodes"] == 1
    # A 9.x client sends compatible-with=9, which only a 9.x server accepts.
    assert [node["version"][:2] for node in nodes.values()] == ["9."]


@pytest.mark.kafka
def test_kafka_answers_metadata_for_a_new_topic(kafka_bootstrap: str) -> None:
    topic = f"smoke-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=15000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        admin.close()
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, request_timeout_ms=15000)
    try:
        assert topic in consumer.topics()
        assert consumer.partitions_for_topic(topic) == {0, 1}
    finally:
        consumer.close()


def test_heap_sizes_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBMATCH_SERVERS_ELASTICSEARCH_HEAP", raising=False)
    assert local_servers.heap_size("elasticsearch") == "1g"
    monkeypatch.setenv("JOBMATCH_SERVERS_ELASTICSEARCH_HEAP", "2G")
    monkeypatch.setenv("JOBMATCH_SERVERS_KAFKA_HEAP", "768m")
    assert (local_servers.heap_size("elasticsearch"), local_servers.heap_size("kafka")) == ("2g", "768m")
    monkeypatch.setenv("JOBMATCH_SERVERS_KAFKA_HEAP", "lots")
    with pytest.raises(local_servers.ServerStartError, match="JOBMATCH_SERVERS_KAFKA_HEAP"):
        local_servers.heap_size("kafka")
