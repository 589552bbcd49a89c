"""Nowva's voice coach: a LiveKit agent that talks with a person, collects what a program
needs, asks the Nowva API to generate it and speaks its progress. It speaks HTTP only.

Run it with `python -m agent console|dev|start|chat` (see agent/__main__.py).
"""
