"""The API: the Starlette app (app.py), its routes, streams, the events hub, auth, OpenAPI,
metrics and the debug page. It imports the core, never jobs/ or the commands."""
