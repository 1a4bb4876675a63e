"""Pieces that several pages share; none of them imports a page."""
