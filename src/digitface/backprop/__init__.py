"""Backpropagation versus computing each weight's gradient separately, measured."""
