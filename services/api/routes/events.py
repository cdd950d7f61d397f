from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.api.deps import StoreDep
from shared.schemas import ScoredEvent

router = APIRouter(prefix="/v1/events", tags=["events"])

MAX_LIMIT = 1000


class EventsPublic(BaseModel):
    items: list[ScoredEvent]


@router.get("")
async def read_events(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many, newest first")] = 50,
) -> EventsPublic:
    """The latest scored events, newest publication time first."""
    return EventsPublic(items=await store.latest(limit))
