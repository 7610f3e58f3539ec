"""Signed webhooks: endpoints, events and their delivery."""
