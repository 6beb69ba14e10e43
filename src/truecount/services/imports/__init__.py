"""Products, locations and stock from and to CSV: all or nothing, each refusal naming row and column.
May call: common, catalog, stock, offers.
"""
