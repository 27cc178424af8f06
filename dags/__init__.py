"""Thin wiring: each file here declares one schedule over steps that live in `pipelines`."""
