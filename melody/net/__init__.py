"""The trained network without Keras: the vocabulary (Melody <-> symbols <-> ids), the model
folder and its weights (h5py), and the NumPy LSTM advanced one step at a time."""
