"""The default model's backbone and head: musicnn's MSD checkpoint converted, and a genre head trained on the engine's own embeddings."""
