"""The `nowva` commands: they build settings and hand them to the parts (app/cli/main.py)."""
