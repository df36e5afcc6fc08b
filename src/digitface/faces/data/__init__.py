"""The faces data stage: lists, download and store, manifests, crops, the face index and split.

Nothing here imports :mod:`digitface.faces.models`: the data stage hands the models stage its
crop arrays and face index, never the other way round.
"""
