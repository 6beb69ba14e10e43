"""``/favicon.ico``: browsers ask for it on every page; answered from the static files."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from ..render import STATIC

router = APIRouter(include_in_schema=False)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})
