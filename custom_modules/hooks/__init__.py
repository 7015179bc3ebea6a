from .ssl_diagnostics import SSLDiagnosticsHook

__all__ = ['SSLDiagnosticsHook']
