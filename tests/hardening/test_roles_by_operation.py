"""Roles exactly as documented: docs/api.md's table names every operation of the OpenAPI document with
the role the code requires, and every operation, called with each role, lets in the roles the table
names (never 401/403) and refuses the others with 403 naming the role."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api_factories import assert_error
from truecount.domain.accounts import Role, role_allows
from truecount.entrypoints.api.roles import NO_SIGN_IN, operation_roles, roles_table

API_DOC = Path(__file__).parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(?P<operation>[A-Z]+ /\S*)` \| (?P<role>\w+) \|$")
ROLES = [role.value for role in Role]


def documented_roles() -> dict[str, str]:
    rows = [ROW.match(line) for line in API_DOC.read_text().splitlines()]
    return {row["operation"]: row["role"] for row in rows if row}


def openapi_operations(app: FastAPI) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
    }


def test_the_docs_table_names_every_operation_with_the_role_the_code_requires(api_app: FastAPI) -> None:
    documented = documented_roles()
    in_code = operation_roles(api_app)
    assert set(in_code) == set(openapi_operations(api_app))  # the walk covers the whole document
    missing = sorted(set(in_code) - set(documented))
    unknown = sorted(set(documented) - set(in_code))
    wrong = sorted(op for op in set(in_code) & set(documented) if in_code[op] != documented[op])
    assert (missing, unknown, wrong) == ([], [], []), f"docs/api.md should read:\n{roles_table(api_app)}"
    assert {"PUT /api/v1/channels/{code}/rules/{sku}", "DELETE /api/v1/channels/{code}/rules/{sku}"} <= {
        op for op, role in documented.items() if role == "admin"
    }


def request_for(path: str, operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A concrete path (names no merchant has, ids no row has) and a JSON body if the operation takes one."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            schema = parameter.get("schema", {})
            value = "987654" if schema.get("type") == "integer" else "NO-SUCH-NAME"
            path = path.replace("{" + parameter["name"] + "}", value)
    return path, ({"json": {}} if "requestBody" in operation else {})


def test_every_operation_lets_in_exactly_the_roles_the_table_names(
    api_app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    documented = documented_roles()
    clients = {role: client_as(role) for role in ROLES}
    anonymous = TestClient(api_app)
    checked = 0
    for name, operation in openapi_operations(api_app).items():
        method, template = name.split(" ", 1)
        path, body = request_for(template, operation)
        needed = documented[name]
        answers = {role: clients[role].request(method, path, **body) for role in ROLES}
        without = anonymous.request(method, path, **body)
        if needed == NO_SIGN_IN:  # the same answer, whoever calls: the credential plays no part
            assert {a.status_code for a in answers.values()} == {without.status_code}, name
            continue
        assert_error(without, 401, "unauthorized")
        for role, answer in answers.items():
            if role_allows(role, needed):
                assert answer.status_code not in (401, 403), (name, role, answer.text)
            else:
                assert_error(answer, 403, "forbidden", field="role")
            checked += 1
    assert checked >= 3 * 40
