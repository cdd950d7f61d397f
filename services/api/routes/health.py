from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from services.api.deps import ChecksDep, RegistryDep
from shared.metrics import render
from shared.ops_server import health_body, run_checks

router = APIRouter(tags=["operations"])


@router.get("/health")
async def read_health(checks: ChecksDep) -> JSONResponse:
    """200 when Redis and the event projector are up, 503 with the failing checks otherwise."""
    status, body = health_body("api", await run_checks(checks))
    return JSONResponse(body, status_code=status)


@router.get("/metrics", include_in_schema=False)
async def read_metrics(registry: RegistryDep) -> Response:
    """Prometheus exposition."""
    payload, content_type = render(registry)
    return Response(payload, headers={"Content-Type": content_type})
