"""The validator's rules, one function each, registered by id (registry.py). See docs/architecture.md."""
