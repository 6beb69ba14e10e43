"""Tracking back: a supplier's shipment of a drop-ship purchase order ships the customer's order
lines it covers (``ship``), recorded once per tracking number, from the CLI and API (``ship``), a
CSV upload (``csv_upload``) or a reply in a mailbox folder (``inbox``); each channel order it ships
gets a fulfilment push with the tracking number queued (``channel_push``).

Sits above ``services.orders`` (it ships through the order fulfilment path) and ``services.purchasing``
and ``services.sync`` (the purchase order records, the fulfilment outbox).
"""
