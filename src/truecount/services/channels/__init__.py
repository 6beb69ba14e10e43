"""Channels and how they are set up: kind, the locations that feed them, the types they sell,
allocation and push policy, connector settings. May call: common.
"""
