"""Layer catalog, georeferenced data types, region configuration, input readers and the demo region.

``layers`` is the single source of truth about layers: every input and output layer is declared once in
:mod:`layers.catalog`; the API, the maps and the pipeline all read it.
"""
