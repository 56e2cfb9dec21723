"""Receiver engine tests."""
