import asyncio

from services.ingest.app import main

asyncio.run(main())
