"""Keeping channels in step: the push queue (outbox), the worker and its runners, order ingest, reconcile,
and the ports the connectors and the orders service plug into. May call: common, channels.
"""
