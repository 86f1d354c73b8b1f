"""The Gradio web app: chat, library, draft, check and trainer tabs over one ``Assistant``."""
