"""Harvesting annual reports from county portals: registry, polite fetching, discovery, raw store, run loop."""

from extract.harvest.registry import Registry, RegistryError, Source, load_registry, parse_registry
from extract.harvest.run import Harvest, RunReport, harvest

__all__ = ["Registry", "RegistryError", "Source", "load_registry", "parse_registry", "Harvest", "RunReport", "harvest"]
