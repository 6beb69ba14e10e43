"""Kits: bills of materials (:mod:`.bills`) and the work orders that build them (:mod:`.work_orders`,
:mod:`.completion`). The rules are in :mod:`truecount.domain.assembly`; stock moves through the
ledger (:mod:`truecount.services.stock.ledger`) and the availability seam. May call ``stock``,
``catalog`` and ``common``; nothing calls it but the entrypoints."""
