"""Which offset of a partition may be committed, from the offsets acknowledged so far.

Kafka's committed offset is the next record to read, so everything below it must be done.
Faust 0.15.3 got two things wrong here (services/scorer/faust_consumer_fixes.py): it let the
head of the acknowledged offsets start one above the committed offset (so a record still being
delivered, or lost, was committed past when the next one was acknowledged first — acks finish
out of order once they wait for delivery), and an offset both acknowledged and filled in as a
gap appeared twice, which ended every run of consecutive offsets at the duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable


def next_commit(
    acked: Iterable[int], filled: Iterable[int], committed: int | None
) -> tuple[int | None, list[int], list[int]]:
    """``(offset to commit or None, offsets left waiting, offsets the commit covers)``.

    ``acked``: offsets done; ``filled``: offsets known to hold no record (gaps); ``committed``:
    the partition's committed offset (the next record to read), None when unknown. The commit is
    one past the run of consecutive offsets that starts at ``committed``; None while
    ``committed`` itself is not done yet.
    """
    floor = committed if committed is not None else -1
    offsets = sorted({offset for offset in (*acked, *filled) if offset >= floor})
    if not offsets or (committed is not None and offsets[0] != committed):
        return None, offsets, []
    run = 1
    while run < len(offsets) and offsets[run] == offsets[run - 1] + 1:
        run += 1
    return offsets[run - 1] + 1, offsets[run:], offsets[:run]
