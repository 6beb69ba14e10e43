"""The ledger: every movement written with its projection (levels), stock now and as of any instant,
verify, and the scan page's acts. May call: common, catalog.
"""
