from gpt41cost.cli import main

main()
