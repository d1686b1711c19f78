"""The Streamlit page's pieces and its URL state (the only subpackage that imports Streamlit)."""
