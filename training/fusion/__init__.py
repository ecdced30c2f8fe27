"""The fused default model: each member's outputs through the binary, the fusion fitted on them, the version-3 file built."""
