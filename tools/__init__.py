"""The command-line tools (``python tools/NAME.py``) and their shared library ``tools.lib``.

Installed editable with ``custom_modules`` (``pip install -e .``, which ``tools/install.sh`` runs),
so tools, benchmarks and tests import ``tools.lib`` and ``custom_modules`` from any directory
without editing ``sys.path``. A tool imports ``tools.lib``, never another tool.
"""
