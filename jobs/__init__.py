"""The worker side: the Procrastinate app and tasks, and the program engines."""
