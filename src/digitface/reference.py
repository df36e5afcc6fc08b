"""The reference report's numbers (CSC411 assignment 2, February 2018), for side-by-side tables.

Accuracies as fractions. The reference trained on all 60,000 MNIST training images and chose
its settings on the test set; ours choose on a validation set.
"""

DIGITS = {
    ("gd", "train"): 0.9324,
    ("gd", "test"): 0.9257,
    ("momentum", "test"): 0.9267,
}

FACES = {
    ("mlp", "train"): 0.9983,
    ("mlp", "test"): 0.8333,
    ("alexnet", "train"): 1.0,
    ("alexnet", "test"): 0.925,
}
