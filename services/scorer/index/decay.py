"""A time-decayed aggregate: per-category sums and an event count that fade with a half-life.

    value(t) = Σ_k amount_k · 2^(−(t − t_k)/half_life)      (= exp(−(t − t_k)/τ), τ = half_life/ln 2)

kept incrementally as (value, at): decayed on read and on update, so storage is O(1) per country.
The default half-life is 72 h: an event counts half after three days, a tenth after ten, 1% after
three weeks. News salience around one incident fades over days, not hours, and a shorter half-life
would make the index track the daily news cycle and its weekend dips instead of the risk; a longer
one would keep last month's crisis on the board after it ended.

A ``Snapshots`` history (one snapshot per resolution slot, bounded) lets a reader ask what the
aggregate was at a past instant, which the trend needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

DEFAULT_HALF_LIFE = timedelta(hours=72)


def decay_factor(elapsed: timedelta, half_life: timedelta) -> float:
    """2^(−elapsed/half_life); 1 for zero or negative elapsed time (time never runs backwards)."""
    if elapsed <= timedelta(0):
        return 1.0
    return float(0.5 ** (elapsed / half_life))


@dataclass(frozen=True)
class Decayed:
    """Decayed sums per category and a decayed event count, all valid at ``at`` (None = empty)."""

    sums: Mapping[str, float] = field(default_factory=dict)
    count: float = 0.0
    at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"sums": dict(self.sums), "count": self.count,
                "at": None if self.at is None else self.at.isoformat()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decayed:
        at = data.get("at")
        return cls(sums={str(k): float(v) for k, v in data.get("sums", {}).items()},
                   count=float(data.get("count", 0.0)),
                   at=None if at is None else datetime.fromisoformat(at))


def read(state: Decayed, now: datetime, half_life: timedelta = DEFAULT_HALF_LIFE) -> Decayed:
    """The aggregate decayed to ``now``; a ``now`` before ``state.at`` returns the state unchanged."""
    if state.at is None or now <= state.at:
        return state
    factor = decay_factor(now - state.at, half_life)
    return Decayed({k: v * factor for k, v in state.sums.items()}, state.count * factor, now)


def add(
    state: Decayed, amounts: Mapping[str, float], count: float, at: datetime,
    half_life: timedelta = DEFAULT_HALF_LIFE,
) -> Decayed:
    """Add one observation made at ``at``.

    An observation older than the state (a late or redelivered-out-of-order event) is added already
    decayed to ``state.at``, so the result equals what in-order arrival would have produced.
    """
    if state.at is not None and at < state.at:
        factor = decay_factor(state.at - at, half_life)
        base, when = state, state.at
    else:
        factor, base, when = 1.0, read(state, at, half_life), at
    sums = dict(base.sums)
    for key, amount in amounts.items():
        sums[key] = sums.get(key, 0.0) + amount * factor
    return Decayed(sums, base.count + count * factor, when)


Snapshots = tuple[Decayed, ...]


def _slot(at: datetime, resolution: timedelta) -> int:
    return int(at.timestamp() // resolution.total_seconds())


def record(
    history: Snapshots, snapshot: Decayed, resolution: timedelta, keep: timedelta
) -> Snapshots:
    """Append ``snapshot`` (taken right after an update), one per ``resolution`` slot, bounded.

    A later snapshot in the same slot replaces the earlier one, so a past value is known to within
    one slot. Snapshots older than ``keep`` before the newest are pruned, except the newest of
    those: it is what ``value_at`` needs for any instant inside the kept span.
    """
    if snapshot.at is None:
        return history
    kept = [s for s in history if s.at is not None and s.at <= snapshot.at]
    if kept and kept[-1].at is not None and _slot(kept[-1].at, resolution) == _slot(snapshot.at, resolution):
        kept.pop()
    kept.append(snapshot)
    horizon = snapshot.at - keep
    older = [i for i, s in enumerate(kept) if s.at is not None and s.at <= horizon]
    return tuple(kept[older[-1]:] if older else kept)


def value_at(
    history: Snapshots, when: datetime, half_life: timedelta = DEFAULT_HALF_LIFE
) -> Decayed:
    """The aggregate as it was at ``when``: the newest snapshot at or before it, decayed to it.

    No snapshot that early means nothing had been observed yet: the empty aggregate.
    """
    earlier = [s for s in history if s.at is not None and s.at <= when]
    if not earlier:
        return Decayed(at=when)
    return read(earlier[-1], when, half_life)
