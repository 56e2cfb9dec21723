"""The receiver's Home Assistant side: hub, settings, camera subentry flow, views, archive.

It adapts the engine in ../receiver (plain asyncio, no Home Assistant) to entities, flows and
the media browser; protocol logic stays in the engine.
"""
