"""Story clustering: the same story reported by many outlets is one story (see clusterer.py)."""

from services.scorer.clustering.clusterer import Assignment, ClusterStats, Note, StoryClusterer, cluster_id
from services.scorer.clustering.config import ClusterConfig
from services.scorer.clustering.normalise import Vocabulary, load_vocabulary, title_tokens

__all__ = [
    "Assignment",
    "ClusterConfig",
    "ClusterStats",
    "Note",
    "StoryClusterer",
    "Vocabulary",
    "cluster_id",
    "load_vocabulary",
    "title_tokens",
]
