"""``/api/v1/purchase-orders/templates``: the texts of the mails suppliers receive about purchase orders
(``send``, ``amend``, ``cancel``, ``follow-up``) — read, replace (placeholders checked), reset.

This module's name sorts before ``purchase_orders``, so these paths are matched before
``/purchase-orders/{po_id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from truecount.domain.mail_templates import MAX_CHARS
from truecount.services.purchasing import templates

from ..deps import DbDep, RequireRole, ScopeDep
from ..schemas import Input, Output
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["purchase orders"])

Name = Annotated[str, Path(min_length=1, max_length=32, description="send, amend, cancel or follow-up.")]


class MailTemplatePublic(Output):
    name: str
    body: str = Field(description="The text mailed, with $placeholders filled when it is sent.")
    custom: bool = Field(description="True: the merchant's own text; false: the built-in one.")
    placeholders: list[str] = Field(description="The placeholders this template may use (without the $).")
    updated_at: str | None = Field(description="When the merchant's text was saved (null: built-in).")


class MailTemplateIn(Input):
    body: str = Field(min_length=1, max_length=MAX_CHARS, description="The new text; $$ is a dollar sign.")


@router.get(
    "/purchase-orders/templates",
    response_model=list[MailTemplatePublic],
    summary="Every purchase order mail template as it is mailed now",
)
def list_templates(db: DbDep, scope: ScopeDep) -> list[MailTemplatePublic]:
    return [MailTemplatePublic.model_validate(t) for t in templates.list_templates(db, scope)]


@router.get(
    "/purchase-orders/templates/{name}",
    response_model=MailTemplatePublic,
    summary="One purchase order mail template (the merchant's own text, else the built-in one)",
)
def get_template(name: Name, db: DbDep, scope: ScopeDep) -> MailTemplatePublic:
    return MailTemplatePublic.model_validate(templates.get_template(db, scope, name))


@router.put(
    "/purchase-orders/templates/{name}",
    response_model=MailTemplatePublic,
    dependencies=[RequireRole("admin")],
    summary="Replace a mail template (an unknown placeholder is refused naming it; nothing saved)",
)
def put_template(name: Name, body: MailTemplateIn, db: DbDep, scope: ScopeDep) -> MailTemplatePublic:
    return MailTemplatePublic.model_validate(templates.set_template(db, scope, name, body.body))


@router.delete(
    "/purchase-orders/templates/{name}",
    response_model=MailTemplatePublic,
    dependencies=[RequireRole("admin")],
    summary="Reset a mail template to the built-in text",
)
def reset_template(name: Name, db: DbDep, scope: ScopeDep) -> MailTemplatePublic:
    return MailTemplatePublic.model_validate(templates.reset_template(db, scope, name))
