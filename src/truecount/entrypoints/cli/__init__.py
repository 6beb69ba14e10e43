"""The ``truecount`` command line (Typer + Rich)."""
