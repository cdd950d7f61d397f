"""Feature families: lexical (title and summary) and source-aware (GDELT, sanctions, AIS …).

Every feature returns ``Reason``s (the ScoredEvent's ``Explanation``s); a category's score is
the sum of its reasons' weights, clamped to 0-100, so every point of a score is traceable to the
evidence behind it.
"""
