"""MNIST digits: data sources, the softmax network, gradient check, training, figures."""
