"""Tests of the uploader engine."""
