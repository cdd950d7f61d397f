import asyncio

from services.alerts.app import main

asyncio.run(main())
