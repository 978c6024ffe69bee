"""One router per resource: landing/conformance/api, collections and items, tiles, rasters, processes and
jobs, health."""
