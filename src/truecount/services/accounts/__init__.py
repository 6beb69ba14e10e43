"""Users, roles, API tokens, sign-in sessions, and which merchants a user may act for.
May call: common.
"""
