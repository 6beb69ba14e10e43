"""Supplier feeds on a schedule: a supplier's file (a watched folder, SFTP or HTTP(S); CSV or XLSX)
read with a column mapping and applied all or nothing to its drop-ship location's figures and its
items' costs and discontinued marks; each run's result recorded; late or empty feeds marked stale
and, by setting, dropped from channel pools until their next good run.

Modules: ``records`` (add, list, show), ``files`` (a file as rows), ``apply`` (check and apply),
``run`` (one run), ``pools`` (drop and restore), ``schedule`` (the worker's pass).
May use ``services.imports`` (row errors), ``services.stock`` (ledger lines in bulk),
``services.offers`` (recompute), ``services.channels`` (sealed secrets) and ``services.common``.
"""
