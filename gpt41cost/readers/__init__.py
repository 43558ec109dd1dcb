"""The readers of every kind of input."""

#: Large structures that reads no longer need, kept here until the process ends when it ends
#: without freeing anything (:func:`gpt41cost.cli.run`, which sets a list): freeing them object by
#: object would be work for nothing. None, the library's default: they are freed as usual.
KEPT_TILL_EXIT: list[object] | None = None
