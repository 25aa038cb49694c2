"""Charts as accessible SVG, built from published statistics only."""
