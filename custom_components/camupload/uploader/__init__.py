"""Uploader engine: MOBOTIX-style FTP profiles sent over FTP, FTPS and HTTP.

A plain asyncio library with no Home Assistant imports; the integration adapts it.
"""
