"""Orders: booking, group commit, fulfil, cancel, return, backorders, pre-orders, drop-ship purchase
orders, and the channel-order port. May call: common, catalog, channels, stock, sync.
"""
