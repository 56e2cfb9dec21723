"""Tests for camupload."""
