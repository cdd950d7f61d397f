"""The live country risk index: structural baselines (WGI, cultural distance), decayed event
pressure, spike detection, and the Faust agent and table that keep it per country.

Pure logic lives in ``structural``, ``cultural_distance``, ``decay``, ``spikes`` and
``country_index``; ``faust_index`` only wires it to topics and a table.
"""
