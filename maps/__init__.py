"""Folium web maps built from the published layers and the catalog's styles."""
