"""gpt41cost: cost and capacity planning for OpenAI's GPT-4.1 family, offline."""

__version__ = "0.1.0"
