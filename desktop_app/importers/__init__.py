"""Importers that bring outside files (attendance lists) into the record through the domain layer."""
