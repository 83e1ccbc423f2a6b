"""OpenEye's recognition pipeline: plain Python that never imports Home Assistant.

It turns camera frames and still images into a few meaningful results (motion,
faces, who they are) and runs the heavy work in worker processes, so that dlib,
which holds Python's global interpreter lock, never slows Home Assistant down.
"""
