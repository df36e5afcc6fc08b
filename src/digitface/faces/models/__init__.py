"""The faces models stage: the MLP, AlexNet feature chunks, training jobs, hidden units, figures.

It reads what :mod:`digitface.faces.data` hands over (the face index and crop arrays).
"""
