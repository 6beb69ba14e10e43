"""Use cases: transactions, idempotency and the one write path every entrypoint calls."""
