"""Rendering: naming by view and language, the folium map, the exported page, pictures, exports, lessons."""
