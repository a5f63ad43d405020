"""Seeded samplers that turn a configuration into scene specs, and the commands that write them."""
