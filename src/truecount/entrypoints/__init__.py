"""Entrypoints: the CLI, the HTTP API, the web pages and the worker. They build commands and call services."""
