"""Questions asked and answered on the way (the answers are in the model cards); not part of the shipped recipe."""
