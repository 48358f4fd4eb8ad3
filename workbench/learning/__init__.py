"""The learning loop (issue 12): drift in the world, river detectors, retraining jobs.

Nothing here is imported by a scenario without ``drift:`` or ``learning:``; river itself is
imported only when a detector is built (its import takes about a second).
"""
