"""FaceScrub faces: lists, download, verification, crops, synthetic sample."""
