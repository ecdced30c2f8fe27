"""The small CNN on the shared GTZAN mel set: its architecture, data, training, export, figures and parity fixtures."""
