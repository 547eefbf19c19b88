"""Studies of the model: validation against data, calibration, sensitivity, robustness, benchmarks."""
