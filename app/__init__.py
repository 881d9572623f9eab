"""The Streamlit app: pages, widgets, figures. No maths of its own: it calls the engine."""
