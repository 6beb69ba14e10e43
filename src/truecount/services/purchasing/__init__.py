"""Drop-ship purchase orders as records: collected from the bookings at a supplier's location
(``collect``), read and moved through their states (``records``), rendered as PDF and CSV
(``documents``, ``mails``), mailed to the supplier and retried by the worker (``sending``, ``worker``),
amended when the customer's order is cancelled (``collect.release``), chased when late, and the
supplier's reliability measured from them (``tardy``).

May use ``services.suppliers``, ``services.catalog`` and ``services.common``; the orders service
hands it the bookings it makes at drop-ship locations and the ones it releases.
"""
