"""Drop-ship suppliers as records: who stands behind a ``dropship`` location (name, e-mail, currency,
lead time, cut-off) and which variants each carries at what unit cost (supplier items).

May use ``services.catalog`` and ``services.common``; the orders service reads supplier items to
choose a supplier (see ``domain.booking.sources``)."""
