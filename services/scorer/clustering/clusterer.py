"""StoryClusterer: the same story reported by many outlets becomes one cluster.

Near-duplicate detection over headlines: each title becomes its set of informative tokens
(normalise.py), MinHash LSH proposes the clusters that probably share many of them (minhash.py,
band_index.py), and a candidate is accepted when the title shares at least ``min_tokens`` tokens
and a Jaccard similarity of at least ``threshold`` with one of the cluster's representative
titles, the event lies within ``window`` of the cluster's events, and the two titles do not name
different people or places (``names_differ``).

Why MinHash rather than SimHash: the question is "do these two small word sets overlap by at
least half?", which is Jaccard similarity, and MinHash estimates exactly that; LSH banding gives a
candidate probability that can be computed and tuned (ClusterConfig). SimHash approximates the
cosine of weighted features; on 4-12 tokens one changed word moves many fingerprint bits, so its
Hamming-distance bands separate rewrites from other stories far less sharply. Why the exact
Jaccard to confirm rather than the MinHash estimate: the token sets are tiny, so the exact value
costs less than the estimate, which with 60 values still has a standard error of 0.065 at 0.5.

Pure and deterministic: time comes only from the events' ``published_at``; hashes are BLAKE2b,
never Python's salted ``hash()``; ties go by similarity, then most recent cluster, then cluster
id; so the same events in the same order give the same clusters in every process.
Not thread-safe: one instance per consumer task (or per partition).
"""

from __future__ import annotations

import hashlib
import heapq
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from services.scorer.clustering.band_index import BandIndex
from services.scorer.clustering.config import ClusterConfig
from services.scorer.clustering.minhash import band_keys, signature, to_bytes
from services.scorer.clustering.normalise import Vocabulary, default_vocabulary, title_terms
from services.scorer.clustering.snapshot import ClustererState, ClusterState, ConfigState, RepState

_CLUSTER_PERSON = b"brisk-cluster-v1"


def cluster_id(founder_event_id: str) -> str:
    """The id of the cluster founded by this event: 32 hex digits, the same in every process."""
    return hashlib.blake2b(founder_event_id.encode("utf-8"), digest_size=16,
                           person=_CLUSTER_PERSON).hexdigest()


class Note(NamedTuple):
    """An event's place in a story, as another clusterer needs it to reach the same clusters:
    it founded ``cluster_id`` or joined it (``adopt``). ``at``: the event's time, Unix seconds.
    ``tokens``: the title's tokens, its names (``title_terms``) written with their first letter
    in upper case ("Khan"), which no other token has: so the names travel in the
    ``brisk.scorer.stories`` record's token list, and a worker that adopts the note keeps
    apart what the writer kept apart."""

    event_id: str
    cluster_id: str
    tokens: tuple[str, ...]
    source: str
    at: float
    places: tuple[str, ...]


def note_tokens(tokens: frozenset[str], names: frozenset[str]) -> tuple[str, ...]:
    """``Note.tokens`` of a title: its tokens, the names among them capitalised."""
    return tuple(token[0].upper() + token[1:] if token in names else token for token in tokens)


def read_note_tokens(written: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(tokens, names) of ``Note.tokens``: the inverse of ``note_tokens``."""
    tokens: list[str] = []
    names: list[str] = []
    for token in written:
        if token[:1].isupper():
            token = token[0].lower() + token[1:]
            names.append(token)
        tokens.append(token)
    return frozenset(tokens), frozenset(names)


def names_differ(tokens: frozenset[str], names: frozenset[str], other: tuple[str, ...],
                 other_names: tuple[str, ...]) -> bool:
    """Whether two titles are about different people or places: each names someone the other
    does not mention at all ("US sanctions Ali Khan" / "US sanctions Mohammad Omar"). A rewrite
    by another outlet keeps the names of the story, so at most one side adds a name the other
    lacks ("Floods kill 20 in Pakistan" / "Pakistan floods kill 20, Sharif says"); and a title
    without names (Title Case, all capitals) never differs."""
    if not names or not other_names:
        return False
    return not tokens.issuperset(other_names) and len(names.intersection(other)) < len(names)


# A representative title: (indexing sequence number, sorted tokens, sorted names, packed
# signature). A tuple takes a fifth of a small frozenset's memory and ``frozenset.intersection``
# reads it as fast; the signature gives back the band keys when the cluster is forgotten.
_Rep = tuple[int, tuple[str, ...], tuple[str, ...], bytes]


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where an event went. ``sources`` counts distinct sources in the cluster (independent
    corroboration); ``is_new`` is true when this event founded the cluster, also on a replay."""

    cluster_id: str
    size: int
    sources: int
    is_new: bool


@dataclass(frozen=True, slots=True)
class ClusterStats:
    clusters: int
    tracked_events: int
    expired: int
    capacity_evicted: int


class _Cluster:
    """A live cluster, with up to ``max_reps`` representative titles."""

    __slots__ = ("cid", "first", "last", "size", "sources", "places", "members", "reps")

    def __init__(self, cid: str, ts: float, source: str, places: frozenset[str] = frozenset()) -> None:
        self.cid = cid
        self.first = ts
        self.last = ts
        self.size = 1
        self.sources = {source}
        self.places = set(places)  # union of the members' places
        self.members: list[str] = []  # remembered event ids, oldest first (the founder is implied)
        self.reps: list[_Rep] = []


class StoryClusterer:
    """Assigns news events to story clusters; see the module docstring and ClusterConfig."""

    def __init__(self, config: ClusterConfig | None = None, vocabulary: Vocabulary | None = None) -> None:
        self.config = config or ClusterConfig()
        self._vocabulary = vocabulary or default_vocabulary()
        self._window = self.config.window.total_seconds()
        self._clusters: OrderedDict[str, _Cluster] = OrderedDict()  # least recently assigned first
        self._event_cluster: dict[str, str] = {}  # remembered member id → cluster id
        self._index = BandIndex(self.config.bands)
        self._expiry: list[tuple[float, str]] = []  # (last, cid) heap, lazily invalidated
        self._watermark: float | None = None
        self._seq = 0
        self._expired = 0
        self._capacity_evicted = 0
        # When a list: each founding or joining ``assign`` makes is noted here, for the caller
        # to share with other clusterers (their ``adopt``) and to clear.
        self.journal: list[Note] | None = None

    def assign(self, event_id: str, title: str, source: str, published_at: datetime,
               places: Iterable[str] = ()) -> Assignment:
        """Put the event in its story's cluster, or found a new one. Idempotent per event id
        while its cluster is remembered: a replay returns the cluster's current size and sources
        and changes nothing. ``published_at`` must be timezone-aware.

        ``places``, optional: identifiers of where the story happens (ISO3 countries, UN/LOCODEs),
        from the caller's gazetteer. An event never joins a cluster when both name places and
        none is shared: "Floods kill 20 in Pakistan" and "... in Bangladesh" share 3 of 5 tokens
        (J = 0.6), and only the place tells the two stories apart. Likewise an event never joins
        a representative title that names different people or places (``names_differ``)."""
        founded = cluster_id(event_id)
        known = self._event_cluster.get(event_id) or (founded if founded in self._clusters else None)
        if known is not None:
            return self._answer(self._clusters[known], founded)
        if published_at.tzinfo is None:
            raise ValueError("published_at must be timezone-aware")
        ts = published_at.timestamp()
        if self._watermark is None or ts > self._watermark:
            self._watermark = ts
            self._expire()
        where = frozenset((places,) if isinstance(places, str) else places)  # one id, or many
        tokens, names = title_terms(title, self._vocabulary)
        if len(tokens) < self.config.min_tokens:
            return Assignment(founded, 1, 1, True)  # never merges, so nothing to remember
        sig = self._signature(tokens)
        cluster = self._best_match(tokens, names, band_keys(sig, self.config.rows), ts, where)
        if cluster is None:
            cluster = self._found(founded, tokens, names, sig, ts, source, where)
        else:
            self._join(cluster, event_id, tokens, names, sig, ts, source, where)
        if self.journal is not None:
            self.journal.append(Note(event_id, cluster.cid, note_tokens(tokens, names), source, ts,
                                     tuple(where)))
        return self._answer(cluster, founded)

    def adopt(self, note: Note) -> bool:
        """Take another clusterer's founding or joining (another worker's, or this worker's
        before a restart), so that both see the story as one cluster; False when there was
        nothing to take (the event is known here, or older than the window). Two clusterers
        that found a story within moments of each other, before either adopted the other's
        note, keep two clusters."""
        if note.event_id in self._event_cluster or cluster_id(note.event_id) in self._clusters:
            return False
        if self._watermark is None or note.at > self._watermark:
            self._watermark = note.at
            self._expire()
        elif note.at < self._watermark - self._window:
            return False
        tokens, names = read_note_tokens(note.tokens)
        if len(tokens) < self.config.min_tokens:
            return False
        sig = self._signature(tokens)
        where = frozenset(note.places)
        cluster = self._clusters.get(note.cluster_id)
        if cluster is None:
            cluster = self._found(note.cluster_id, tokens, names, sig, note.at, note.source, where)
            if note.cluster_id != cluster_id(note.event_id):  # a joiner whose founder is unknown
                cluster.members.append(note.event_id)
                self._event_cluster[note.event_id] = cluster.cid
        else:
            self._join(cluster, note.event_id, tokens, names, sig, note.at, note.source, where)
        return True

    def stats(self) -> ClusterStats:
        return ClusterStats(len(self._clusters), len(self._event_cluster), self._expired,
                            self._capacity_evicted)

    def snapshot(self) -> dict[str, Any]:
        """The whole state as a JSON-serialisable dict; ``restore`` reads it back."""
        clusters = [
            ClusterState(id=c.cid, first=c.first, last=c.last, size=c.size, sources=sorted(c.sources),
                         places=sorted(c.places), members=list(c.members),
                         reps=[RepState(seq=seq, tokens=list(tokens), names=list(names))
                               for seq, tokens, names, _ in c.reps])
            for c in self._clusters.values()
        ]
        state = ClustererState(config=ConfigState(**self.config.to_dict()), watermark=self._watermark,
                               seq=self._seq, expired=self._expired,
                               capacity_evicted=self._capacity_evicted, clusters=clusters)
        return state.model_dump(mode="json")

    @classmethod
    def restore(cls, state: Mapping[str, Any], config: ClusterConfig | None = None,
                vocabulary: Vocabulary | None = None) -> StoryClusterer:
        """Rebuild a clusterer from ``snapshot()``. ``config`` overrides the saved settings (the
        LSH index is rebuilt from the stored tokens, so any settings work). Raises
        ``pydantic.ValidationError`` (a ``ValueError``) on a malformed snapshot."""
        saved = ClustererState.model_validate(state)
        clusterer = cls(config or ClusterConfig.from_dict(saved.config.model_dump()), vocabulary)
        clusterer._watermark, clusterer._seq = saved.watermark, saved.seq
        clusterer._expired, clusterer._capacity_evicted = saved.expired, saved.capacity_evicted
        reps: list[tuple[int, _Cluster, frozenset[str], frozenset[str]]] = []
        for item in saved.clusters:
            cluster = _Cluster(item.id, item.first, item.sources[0], frozenset(item.places))
            cluster.last, cluster.size, cluster.sources = item.last, item.size, set(item.sources)
            cluster.members = item.members[-clusterer.config.max_member_ids:]
            clusterer._event_cluster.update(dict.fromkeys(cluster.members, item.id))
            clusterer._clusters[item.id] = cluster
            clusterer._expiry.append((cluster.last, cluster.cid))
            reps.extend((rep.seq, cluster, frozenset(rep.tokens), frozenset(rep.names))
                        for rep in item.reps)
        heapq.heapify(clusterer._expiry)
        # Re-index in the original order, so buckets hold their entries in the same order.
        for seq, cluster, tokens, names in sorted(reps, key=lambda r: r[0]):
            if len(cluster.reps) < clusterer.config.max_reps:
                clusterer._add_rep(cluster, tokens, names, clusterer._signature(tokens), seq)
        clusterer._enforce_cap()
        return clusterer

    # -- internals -------------------------------------------------------------------------

    def _signature(self, tokens: frozenset[str]) -> bytes:
        return to_bytes(signature(tokens, self.config.num_perm), self.config.num_perm)

    def _answer(self, cluster: _Cluster, founded: str) -> Assignment:
        return Assignment(cluster.cid, cluster.size, len(cluster.sources), cluster.cid == founded)

    def _best_match(self, tokens: frozenset[str], names: frozenset[str], keys: list[bytes],
                    ts: float, places: frozenset[str]) -> _Cluster | None:
        hits = self._index.hits(keys, self.config.bucket_scan)
        if not hits:
            return None
        best: tuple[float, float, str] | None = None
        size, window = len(tokens), self._window
        threshold, min_shared = self.config.threshold, self.config.min_tokens
        # When there are too many, the candidates sharing most bands (ties in first-hit order).
        candidates = (hits if len(hits) <= self.config.max_candidates
                      else dict(hits.most_common(self.config.max_candidates)))
        for cid in candidates:
            cluster = self._clusters[cid]
            if not cluster.first - window <= ts <= cluster.last + window:
                continue
            if places and cluster.places and places.isdisjoint(cluster.places):
                continue
            for _, rep_tokens, rep_names, _ in cluster.reps:
                if min(size, len(rep_tokens)) < threshold * max(size, len(rep_tokens)):
                    continue  # Jaccard <= min/max of the sizes: cannot reach the threshold
                common = len(tokens.intersection(rep_tokens))
                similarity = common / (size + len(rep_tokens) - common)
                if common >= min_shared and similarity >= threshold and (
                        best is None or (similarity, cluster.last, cid) > best) and (
                        not names_differ(tokens, names, rep_tokens, rep_names)):
                    best = (similarity, cluster.last, cid)
        return None if best is None else self._clusters[best[2]]

    def _found(self, cid: str, tokens: frozenset[str], names: frozenset[str], sig: bytes,
               ts: float, source: str, places: frozenset[str]) -> _Cluster:
        cluster = _Cluster(cid, ts, source, places)
        self._clusters[cid] = cluster
        heapq.heappush(self._expiry, (ts, cid))
        self._add_rep(cluster, tokens, names, sig, self._seq)
        self._seq += 1
        self._enforce_cap()
        return cluster

    def _join(self, cluster: _Cluster, event_id: str, tokens: frozenset[str], names: frozenset[str],
              sig: bytes, ts: float, source: str, places: frozenset[str]) -> None:
        cluster.size += 1
        cluster.sources.add(source)
        cluster.places |= places
        cluster.first = min(cluster.first, ts)
        if ts > cluster.last:
            cluster.last = ts
            heapq.heappush(self._expiry, (ts, cluster.cid))
            self._compact_expiry()
        if len(cluster.members) >= self.config.max_member_ids:
            self._event_cluster.pop(cluster.members.pop(0), None)
        cluster.members.append(event_id)
        self._event_cluster[event_id] = cluster.cid
        if len(cluster.reps) < self.config.max_reps and all(tokens != frozenset(rep)
                                                            for _, rep, _, _ in cluster.reps):
            self._add_rep(cluster, tokens, names, sig, self._seq)
            self._seq += 1
        self._clusters.move_to_end(cluster.cid)

    def _add_rep(self, cluster: _Cluster, tokens: frozenset[str], names: frozenset[str], sig: bytes,
                 seq: int) -> None:
        cluster.reps.append((seq, tuple(sorted(tokens)), tuple(sorted(names)), sig))
        self._index.add(cluster.cid, band_keys(sig, self.config.rows))

    def _forget(self, cluster: _Cluster) -> None:
        del self._clusters[cluster.cid]
        for _, _, _, sig in cluster.reps:
            self._index.remove(cluster.cid, band_keys(sig, self.config.rows))
        for member in cluster.members:
            self._event_cluster.pop(member, None)

    def _expire(self) -> None:
        """Forget clusters whose last event is older than the window before the watermark."""
        assert self._watermark is not None
        cutoff = self._watermark - self._window
        while self._expiry and self._expiry[0][0] < cutoff:
            last, cid = heapq.heappop(self._expiry)
            cluster = self._clusters.get(cid)
            if cluster is not None and cluster.last == last:
                self._forget(cluster)
                self._expired += 1

    def _enforce_cap(self) -> None:
        """At the cap, forget the least recently assigned-to cluster."""
        while len(self._clusters) > self.config.max_clusters:
            self._forget(next(iter(self._clusters.values())))
            self._capacity_evicted += 1

    def _compact_expiry(self) -> None:
        """Drop stale heap entries once they outnumber the live ones (bounds the heap's memory)."""
        if len(self._expiry) > 2 * len(self._clusters) + 64:
            self._expiry = [(c.last, c.cid) for c in self._clusters.values()]
            heapq.heapify(self._expiry)
