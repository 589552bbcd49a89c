"""The HTTP routes, one module per resource; ROUTES is the plain list Starlette serves."""
