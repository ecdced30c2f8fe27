"""Trains, converts, exports and scores genre-stream's models (README.md here)."""
