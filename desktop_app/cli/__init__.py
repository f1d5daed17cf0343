"""The command line of SPEC §5: a thin client of the domain layer."""
