"""`compliance serve`: the HTTP face of the service layer (FastAPI on uvicorn, SQLAlchemy storage).

The API calls the same service functions as the CLI and returns the same report; what it adds is
storage (every check kept with the hashes of what it rested on), organisations and tokens.

May import: `compliance.service` and every layer below it; never `compliance.cli`."""
