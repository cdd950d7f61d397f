"""Every Kafka topic brisk uses: its name, its key, its value contract and its partition count.

Keys decide ordering and co-location: everything about one event stays on one partition, and
country-keyed topics let the scorer keep per-country state without a repartition.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.schemas import AlertChange, Contract, CountryRisk, DeadLetter, RawEvent, ScoredEvent
from shared.schemas.country_event import CountryEvent
from shared.schemas.story_batch import StoryBatch


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    value: type[Contract]
    partitions: int


RAW_EVENTS = Topic("brisk.events.raw", key="event id", value=RawEvent, partitions=4)
SCORED_EVENTS = Topic("brisk.events.scored", key="event id", value=ScoredEvent, partitions=4)
COUNTRY_RISK = Topic("brisk.country-risk", key="ISO 3166-1 alpha-3", value=CountryRisk, partitions=4)
ALERTS = Topic("brisk.alerts", key="tenant/alert id", value=AlertChange, partitions=4)
DEAD_LETTER = Topic("brisk.deadletter", key="original key or source", value=DeadLetter, partitions=1)

# Internal to the scorer: one record per (scoring batch, country), keyed by country, so the
# country index table is updated on a stream keyed by its own key, once per batch.
SCORER_COUNTRY_EVENTS = Topic("brisk.scorer.country-events", key="ISO 3166-1 alpha-3",
                              value=CountryEvent, partitions=4)

# Internal to the scorer: every worker's story-cluster foundings and joins, read by every worker
# (and by a restarted one, to rebuild its clusters). One partition: one order for all readers.
SCORER_STORIES = Topic("brisk.scorer.stories", key="worker id", value=StoryBatch, partitions=1)

ALL_TOPICS: tuple[Topic, ...] = (RAW_EVENTS, SCORED_EVENTS, COUNTRY_RISK, ALERTS, DEAD_LETTER,
                                 SCORER_COUNTRY_EVENTS, SCORER_STORIES)
