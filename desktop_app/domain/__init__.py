"""The domain layer: what a record is, what is valid, and the one place every write passes.

It imports nothing from Qt, so every rule and every merge can be exercised without a GUI.
"""
