"""Scenario routing: an ordered list of small rules; the first that matches decides."""
