"""Story clustering: the same story reported by many outlets is one story (see clusterer.py)."""

from services.scorer.clustering.clusterer import Assignment, ClusterStats, Note, StoryClusterer, cluster_id
from services.scorer.clustering.config import ClusterConfig
from services.scorer.clustering.normalise import Vocabulary, load_vocabulary, title_terms, title_tokens
from services.scorer.clustering.story_keys import (
    StoryKey,
    StoryKeys,
    default_story_keys,
    load_story_keys,
    story_cluster_id,
)

__all__ = [
    "Assignment",
    "ClusterConfig",
    "ClusterStats",
    "Note",
    "StoryClusterer",
    "StoryKey",
    "StoryKeys",
    "Vocabulary",
    "cluster_id",
    "default_story_keys",
    "load_story_keys",
    "load_vocabulary",
    "story_cluster_id",
    "title_terms",
    "title_tokens",
]
