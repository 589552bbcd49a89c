"""Program engines: the built-in offline one and the OpenAI one share one protocol."""
