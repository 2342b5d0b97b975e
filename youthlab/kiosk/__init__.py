"""Kiosk: finished labs as touch apps for visitors, served by Voila behind the hub."""
