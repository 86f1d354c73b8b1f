"""``msra mcp``: msra as a Model Context Protocol server (stdio by default, streamable HTTP on request).

App layer: nothing in msra imports it. ``server.build_server`` wires tools and resources over an
``msra.Assistant``; ``tools`` holds the validation and the work each tool does.
"""
