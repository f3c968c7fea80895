"""Storing what the jobs read: engagements, their classification, importance and the hand-off."""
