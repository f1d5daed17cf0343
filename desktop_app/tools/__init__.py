"""Maintenance tools run by developers and translators, not by users."""
