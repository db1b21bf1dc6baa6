"""The studio's logic without Streamlit: the recipe and its share link, the widget <-> recipe
table, the session's state, what a click makes (and the next one made ahead), the per-click
budget, plain words, ready seeds and the server's warm-up."""
