"""One module per page of the app; only ui/navigation.py imports them."""
