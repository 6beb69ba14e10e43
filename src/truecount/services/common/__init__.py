"""What every use case shares: the acting scope and clock, idempotency keys, retries, name lookups,
the availability seam (its listeners are wired in :mod:`truecount.services.bootstrap`) and the event outbox.
May call: adapters and the domain only. Every other package may call it.
"""
