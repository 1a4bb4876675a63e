"""engine/export/: the QTI 3.0 package, checked against 1EdTech's schemas (tests/export/xsd/) and in a real player."""
