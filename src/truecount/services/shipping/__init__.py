"""Tracking back: a supplier's shipment of a drop-ship purchase order ships the customer's order
lines it covers (``ship``), recorded once per tracking number, from the CLI and API (``ship``), a
CSV upload (``services.imports.shipments``) or a reply in a mailbox folder (``inbox``); each channel
order it ships gets a fulfilment push with the tracking number queued (the one path of
``services.orders.channel_fulfilments``).

Sits above ``services.orders`` (it ships through the order fulfilment path and queues the channel
push as it does) and ``services.purchasing`` (the purchase order records); ``services.imports``
uses it for the CSV upload.
"""
