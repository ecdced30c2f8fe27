"""Any model through the built binary: figures on the valid, real-world and non-music sets, a simulated radio, a hard radio stream."""
