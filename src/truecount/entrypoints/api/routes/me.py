"""``GET /api/v1/me``: who the credentials belong to (a cheap way to check a token)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from ..deps import CurrentUser
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["accounts"])


class MePublic(BaseModel):
    name: str
    role: str
    merchant_id: int
    via: str


@router.get("/me", response_model=MePublic, summary="The caller behind the credentials")
def me(user: CurrentUser) -> MePublic:
    return MePublic(name=user.name, role=user.role, merchant_id=user.merchant_id, via=user.via)
