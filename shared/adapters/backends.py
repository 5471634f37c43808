"""Open the adapters that the settings choose; nothing above the ports knows which one it got."""

from __future__ import annotations

from shared.ports.event_log import EventLog
from shared.ports.search_index import IndexSchema, SearchIndex
from shared.settings import Settings


def open_search_index(settings: Settings, schema: IndexSchema) -> SearchIndex:
    if settings.index_backend == "elasticsearch":
        from shared.adapters.es_index import open_elasticsearch_index

        return open_elasticsearch_index(schema, url=settings.elasticsearch_url, prefix=settings.index_prefix)
    from shared.adapters.tantivy_index import TantivyIndex

    return TantivyIndex(schema, settings.data_dir / "index" / schema.name)


def open_event_log(settings: Settings) -> EventLog:
    if settings.eventlog_backend == "kafka":
        from shared.adapters.kafka_log import KafkaEventLog

        return KafkaEventLog(
            bootstrap=settings.kafka_bootstrap,
            partitions=settings.kafka_topic_partitions,
            replication=settings.kafka_topic_replication,
            topic_prefix=settings.kafka_topic_prefix,
        )
    from shared.adapters.sqlite_log import SqliteEventLog

    return SqliteEventLog(settings.data_dir / "events.sqlite3")
