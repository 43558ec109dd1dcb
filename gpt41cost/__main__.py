from gpt41cost.cli import run

run()
