"""Sectors, pledges, signing, confirmation and the public counts."""
