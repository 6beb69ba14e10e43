"""Pick lists: what to take off the shelves at one location for some orders and work orders
(:mod:`.lists`: make, show, list; :mod:`.scans`: scan to pick). The rules are in
:mod:`truecount.domain.picking`. Reads what orders and work orders book (their tables), never
changes it: picking moves no stock, shipping and completing do. May call ``stock`` and ``common``."""
