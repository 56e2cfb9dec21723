"""Tests that drive the real Home Assistant frontend in Chromium."""
