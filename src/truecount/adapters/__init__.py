"""Adapters: the database and the channel connectors."""
