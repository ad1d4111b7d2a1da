"""Relasi: customer relationships for Indonesian small and medium businesses."""

__version__ = "0.1.0"
