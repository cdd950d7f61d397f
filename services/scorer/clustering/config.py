"""The story clusterer's parameters, with the reason for each default."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class ClusterConfig:
    """Parameters of :class:`StoryClusterer`. Invalid values raise ``ValueError`` at construction.

    threshold: Jaccard similarity of the informative token sets needed to join a cluster. 0.5
        means the two titles share at least half of all their informative words: "US holds off on
        new Russia sanctions, Treasury says" and "Russia sanctions: US holds off on new measures"
        share 4 of 6 (0.67), one outlet's suffix or a dropped word keeps a 6-word title at ≥ 0.71,
        while two stories about one country ("Pakistan floods kill 20", "Pakistan election: Khan
        wins") share 1 of 7 (0.14). bench/cluster_false_merges.py sweeps it; see docs/clustering.md.
    window: an event joins a cluster only if its time is within ``window`` of the cluster's span
        of event times; clusters whose last event is older than ``window`` before the newest event
        seen are forgotten. 48 h covers a news cycle and the follow-up rewrites of wire copy.
    bands, rows: LSH banding of ``bands * rows`` MinHash values. A pair with Jaccard J becomes a
        candidate with probability 1 - (1 - J**rows)**bands: 20 × 3 gives 0.93 at J = 0.5, 0.992
        at 0.6 and 0.999 at 0.67 (the Russia pair above), while two unrelated titles sharing one
        word in ten (J = 0.1) collide in 2% of cases instead of the 15% of 16 × 2, which keeps the
        candidates to confirm, and so assign()'s cost, low on a busy stream.
    min_tokens: titles with fewer informative tokens never merge, and a merge needs at least
        this many shared tokens ("China bans YouTube" and "China bans Facebook" have J = 0.5 but
        share only two words: too little to tell two stories apart).
    max_clusters: memory cap; when full, the least recently assigned-to cluster is forgotten (a
        later duplicate of it then starts a new cluster, with a new id).
    max_reps: a cluster is matched against its first title and up to ``max_reps - 1`` later,
        different titles that themselves matched; more would let a cluster drift across stories.
    max_member_ids: event ids remembered per cluster, for idempotent replays; the most recent are
        kept. A replay of an older member of a bigger cluster counts once more in ``size`` (never
        in ``sources``, which is a set).
    max_candidates: candidates (the clusters sharing most LSH bands) confirmed per event.
    bucket_scan: newest entries read per LSH bucket, which bounds the cost of very common bands.
    """

    threshold: float = 0.5
    window: timedelta = timedelta(hours=48)
    bands: int = 20
    rows: int = 3
    min_tokens: int = 3
    max_clusters: int = 50_000
    max_reps: int = 3
    max_member_ids: int = 512
    max_candidates: int = 8
    bucket_scan: int = 64

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")
        if not 1 <= self.rows <= 8 or not 1 <= self.bands <= 64:
            raise ValueError("rows must be 1-8 and bands 1-64")
        for name in ("min_tokens", "max_clusters", "max_reps", "max_member_ids", "max_candidates",
                     "bucket_scan"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the window in seconds."""
        data = asdict(self)
        data["window"] = self.window.total_seconds()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown clusterer settings: {sorted(unknown)}")
        values = dict(data)
        if "window" in values:
            values["window"] = timedelta(seconds=float(values["window"]))
        return cls(**values)
