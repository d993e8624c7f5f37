"""Placeholder sessions (being written)."""


class SessionManager:
    def __init__(self, kernels: object, contents: object) -> None:
        self.kernels = kernels
        self.contents = contents
