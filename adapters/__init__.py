"""Adapters to the services Rantai talks to, kept apart from its tasks and its domain."""
