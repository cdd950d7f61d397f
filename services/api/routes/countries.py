from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel

from services.api.deps import CountriesDep
from shared.schemas import CountryRisk

router = APIRouter(prefix="/v1/countries", tags=["countries"])


class CountriesPublic(BaseModel):
    items: list[CountryRisk]


@router.get("")
async def read_countries(countries: CountriesDep) -> CountriesPublic:
    """Every country's latest risk index, highest overall risk first."""
    items = sorted(await countries.all(), key=lambda r: (-r.overall, r.country))
    return CountriesPublic(items=items)


@router.get("/{country}")
async def read_country(
    countries: CountriesDep,
    country: Annotated[str, Path(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3")],
) -> CountryRisk:
    """One country's latest risk index; 404 until brisk has scored an event about it."""
    risk = await countries.get(country)
    if risk is None:
        raise HTTPException(status_code=404, detail=f"no risk index for {country} yet")
    return risk
