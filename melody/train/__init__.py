"""Training and measuring (the only stage that imports TensorFlow and Keras): the dataset,
batches, the Keras networks, the training loop, held-out figures, baselines, model cards and
reports."""
