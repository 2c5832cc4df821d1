"""Writes: every change to appointments goes through these services."""
