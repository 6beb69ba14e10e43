"""Every table, grouped by feature, one module each; ``base.metadata`` holds those imported.

Every table carries ``merchant_id`` and every business key and index leads with it
(the future distribution key). Surrogate integer ids are the primary keys of the
catalogue tables; levels are keyed by their natural key.

Importing one module defines only its tables (a read of the count needs the catalogue and the
ledger, not the channels' or the offers' tables: defining a table costs CPU at start-up);
:mod:`.every` imports them all, for the schema as a whole (migrations, the schema test).
"""
