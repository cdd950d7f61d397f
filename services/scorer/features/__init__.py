"""Feature families: lexical (title and summary) and source-aware (GDELT, sanctions, AIS …).

Every feature returns ``Explanation``s; a category's score is the sum of its explanations'
weights, clamped to 0-100, so every point of a score is traceable to the evidence behind it.
"""
