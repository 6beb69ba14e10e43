"""What each channel listing is offered: facts gathered in bulk, the domain's rules applied, changed offers
stored and pushes queued; quantity rules, listings, the offer clock. May call: common, catalog, channels, sync.
"""
