"""Stock health trackers: set, list, and the alerts raised when a watched variant moves.
May call: common.
"""
