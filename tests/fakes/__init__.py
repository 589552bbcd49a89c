"""Fakes of outside services, served for real on loopback (see openai_server.py)."""
