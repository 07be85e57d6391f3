"""What crosses task boundaries: the plan a transform produces and the typed values tasks exchange."""
