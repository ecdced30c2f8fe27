"""What every model's scripts share: the .gsm file (the one writer and reader), its graph in PyTorch, the repository's paths, the model card's generated sections."""
