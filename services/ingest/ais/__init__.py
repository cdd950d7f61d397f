"""Shipping and logistics: AIS NMEA decoding, ports, chokepoints, and vessel tracks turned into signals.

``nmea`` decodes a line stream into ``AisMessage`` values, ``tracker`` turns messages into logistics
``Signal`` values (congestion, dwell, AIS gaps, chokepoint entries, diversions) and ``signals``
turns those into ``RawEvent`` values of kind ``shipping``.
"""
