"""Pure analyses (inputs in, output layers out) and the pipeline that runs them.

Nothing here imports the web framework, the store or the settings: the pipeline is handed a source of
input layers and a sink for output layers.
"""
