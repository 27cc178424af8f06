"""Deterministic synthetic data for credsweep (court lists, agency datasets, capacity sources, truth)."""
