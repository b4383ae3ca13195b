from compliance.cli import main

if __name__ == "__main__":  # (a spawned judging process imports this module again: never a second run)
    main()
