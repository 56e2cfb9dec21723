"""What both engines and their Home Assistant adapters share: the frame type, the atomic writer.

Plain Python with no Home Assistant imports, like the engines that use it.
"""
