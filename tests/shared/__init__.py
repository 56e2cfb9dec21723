"""Tests of what the engines share: the frame type and the atomic writer."""
