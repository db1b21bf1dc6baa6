"""The central type and the facts every stage shares: `Melody`, pitch/key/chord spelling, bars,
errors, paths, atomic files, safe text. Imports nothing else of the package."""
