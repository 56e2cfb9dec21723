"""The uploader's Home Assistant side: hub, settings, server and profile flows, profile runs.

It adapts the engine in ../uploader (plain asyncio, no Home Assistant) to entities, flows and
services; protocol logic stays in the engine.
"""
