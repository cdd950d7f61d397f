"""Which offset the scorer's consumer may commit (services/scorer/commit_offsets.py)."""

from __future__ import annotations

import pytest

from services.scorer.commit_offsets import next_commit


@pytest.mark.parametrize(("acked", "filled", "committed", "expected"), [
    # The run from the committed offset is committed; the rest waits.
    ([5, 6, 7, 9], [], 5, (8, [9], [5, 6, 7])),
    # A record still being delivered (5) holds the commit, even when 6 is done: Faust 0.15.3
    # committed past it.
    ([6, 7], [], 5, (None, [6, 7], [])),
    # An offset both acknowledged and filled in as a gap counts once (Faust stopped the run at
    # the duplicate, so commits crept one offset at a time).
    ([5, 6, 7, 8], [6, 7], 5, (9, [], [5, 6, 7, 8])),
    # Gaps (offsets that hold no record) join the run.
    ([5, 8], [6, 7], 5, (9, [], [5, 6, 7, 8])),
    # Offsets below the committed one are done already.
    ([3, 4, 5], [], 5, (6, [], [5])),
    # Without a committed offset the run starts at the lowest offset done.
    ([0, 1, 2], [], None, (3, [], [0, 1, 2])),
    ([], [], 5, (None, [], [])),
    # A fresh partition starts at 0 (the seek sets it): 1 alone cannot be committed.
    ([1], [], 0, (None, [1], [])),
])
def test_only_the_run_of_done_offsets_from_the_committed_one_is_committed(
    acked: list[int], filled: list[int], committed: int | None,
    expected: tuple[int | None, list[int], list[int]],
) -> None:
    assert next_commit(acked, filled, committed) == expected
