"""mamori (守り): a Japanese local government's information security policy, as software."""

__version__ = "0.1.0"
