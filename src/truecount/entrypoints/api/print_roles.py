"""Print the docs' roles table from the routes: ``python -m truecount.entrypoints.api.print_roles``."""

from __future__ import annotations

from .app import create_app
from .roles import roles_table

if __name__ == "__main__":
    print(roles_table(create_app()))
