"""Reads that cross tables: availability and diary views."""
