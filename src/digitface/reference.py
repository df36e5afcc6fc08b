"""The reference report's numbers (CSC411 assignment 2, February 2018), for side-by-side tables.

Accuracies as fractions. The reference trained on all 60,000 MNIST training images and chose
its settings on the test set; ours choose on a validation set.
"""

DIGITS = {
    ("gd", "train"): 0.9324,
    ("gd", "test"): 0.9257,
    ("momentum", "test"): 0.9267,
}

#: The six actors of the reference's face experiments (its numbers are 6-way accuracies).
FACE_ACTORS = ("Lorraine Bracco", "Peri Gilpin", "Angie Harmon", "Alec Baldwin", "Bill Hader", "Steve Carell")
#: What the reference's AlexNet features were: ImageNet weights, conv5 without ReLU, pixels in [-1, 1].
ALEXNET = {"weights": "imagenet", "layer": "conv5", "preprocess": "reference"}

FACES = {
    ("mlp", "train"): 0.9983,
    ("mlp", "test"): 0.8333,
    ("alexnet", "train"): 1.0,
    ("alexnet", "test"): 0.925,
}
