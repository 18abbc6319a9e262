"""Data: bundled baselines, World files, and (later) importers for trade and tariff sources.

Importers never know about models; they produce Worlds and tidy tables.
"""

from tariffsim.data.worlds import BUNDLED_WORLDS, bundled_world_names, load_world, read_world, write_world

__all__ = ["BUNDLED_WORLDS", "bundled_world_names", "load_world", "read_world", "write_world"]
