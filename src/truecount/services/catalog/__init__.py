"""The catalogue: merchants, products and variants, barcodes, bundles, locations and bins, inventory types.
May call: common.
"""
