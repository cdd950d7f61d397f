from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from services.api.deps import ChecksDep, RegistryDep
from shared.metrics import render
from shared.ops_server import health_body, liveness_body, run_checks

router = APIRouter(tags=["operations"])


@router.get("/health")
async def read_health() -> JSONResponse:
    """Liveness: 200 while the process serves requests, whatever its dependencies do."""
    return JSONResponse(liveness_body("api"))


@router.get("/ready")
async def read_ready(checks: ChecksDep) -> JSONResponse:
    """Readiness: every check run now; 503 naming the ``failed`` ones if any fails."""
    status, body = health_body("api", await run_checks(checks))
    return JSONResponse(body, status_code=status)


@router.get("/metrics", include_in_schema=False)
async def read_metrics(registry: RegistryDep) -> Response:
    """Prometheus exposition."""
    payload, content_type = render(registry)
    return Response(payload, headers={"Content-Type": content_type})
