"""Local emulators of the channels truecount keeps in step (Shopify, Amazon SP-API, eBay, WooCommerce).

They speak the documented request and response shapes, enforce the documented limits, inject
faults on request and count every limit violation. ``truecount emulate`` starts them.
"""
