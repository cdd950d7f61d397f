"""brisk's common package: event contracts, topic names, settings, logging, metrics and dead-lettering.

Services never import each other; they meet only through Kafka topics and this package.
"""
