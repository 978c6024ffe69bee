"""Bringing real data in: OpenStreetMap extracts mapped onto the canonical inputs."""
